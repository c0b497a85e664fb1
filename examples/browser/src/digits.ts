import { rangeError } from '@torchlet/tensor';

/**
 * The demo's compact digit file (`digits.bin`): a 24-byte header, then the raw bytes of the
 * training images, their labels, the test images and their labels. 5,000 + 1,000 28×28 digits
 * are 4.7 MB, one fetch, no parsing beyond the header.
 *
 * Header (little-endian u32s): magic `TLMN`, version 1, training count, test count, rows, cols.
 */
export interface Digits {
  rows: number;
  cols: number;
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

const MAGIC = 0x4e4d4c54; // 'TLMN' read as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 24;

/** The file's bytes for `digits` (sizes checked against rows × cols). */
export function encodeDigits(d: Digits): Uint8Array {
  const pixels = d.rows * d.cols;
  const nTrain = d.trainLabels.length;
  const nTest = d.testLabels.length;
  if (d.trainImages.length !== nTrain * pixels || d.testImages.length !== nTest * pixels) {
    throw rangeError(
      'encodeDigits',
      `${d.trainImages.length} + ${d.testImages.length} image bytes do not match ${nTrain} + ${nTest} images of ${d.rows}×${d.cols}`,
    );
  }
  const out = new Uint8Array(HEADER_BYTES + (nTrain + nTest) * (pixels + 1));
  const view = new DataView(out.buffer);
  [MAGIC, VERSION, nTrain, nTest, d.rows, d.cols].forEach((v, i) => view.setUint32(i * 4, v, true));
  let at = HEADER_BYTES;
  for (const part of [d.trainImages, d.trainLabels, d.testImages, d.testLabels]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Reads the file; the arrays are views into `bytes` (no copy).
 * @throws RangeError for a wrong magic or version, or a length that disagrees with the header
 */
export function decodeDigits(bytes: Uint8Array): Digits {
  if (bytes.length < HEADER_BYTES)
    throw rangeError('decodeDigits', `${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [magic, version, nTrain, nTest, rows, cols] = Array.from({ length: 6 }, (_, i) =>
    view.getUint32(i * 4, true),
  ) as [number, number, number, number, number, number];
  if (magic !== MAGIC)
    throw rangeError(
      'decodeDigits',
      `not a digits file (magic 0x${magic.toString(16)}, expected 0x${MAGIC.toString(16)} 'TLMN')`,
    );
  if (version !== VERSION)
    throw rangeError('decodeDigits', `version ${version} is not supported (expected ${VERSION})`);
  const pixels = rows * cols;
  const expected = HEADER_BYTES + (nTrain + nTest) * (pixels + 1);
  if (bytes.length !== expected)
    throw rangeError(
      'decodeDigits',
      `${nTrain} + ${nTest} digits of ${rows}×${cols} need ${expected} bytes, got ${bytes.length}`,
    );
  let at = HEADER_BYTES;
  const take = (n: number) => bytes.subarray(at, (at += n));
  return {
    rows,
    cols,
    trainImages: take(nTrain * pixels),
    trainLabels: take(nTrain),
    testImages: take(nTest * pixels),
    testLabels: take(nTest),
  };
}
