import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { visualize } from '@torchlet/layers';
import { encodePng, featureMapsToPng, filtersToPng, lineChartToPng, writePng } from '@torchlet/layers/node';
import { Generator, randn } from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'torchlet-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PNG output', () => {
  it('encodePng round-trips the pixels through a PNG decoder', () => {
    const img = visualize.createImage(3, 2, [10, 20, 30]);
    visualize.setPixel(img, 2, 1, [255, 0, 0]);
    const decoded = PNG.sync.read(Buffer.from(encodePng(img)));
    expect([decoded.width, decoded.height]).toEqual([3, 2]);
    expect(new Uint8Array(decoded.data)).toEqual(new Uint8Array(img.data.buffer));
  });

  it('filtersToPng / featureMapsToPng / lineChartToPng are valid PNGs of the image sizes, with the full 0..255 range', () => {
    const g = new Generator(4);
    const weight = randn([6, 1, 5, 5], { generator: g });
    const cases: [Uint8Array, visualize.RgbaImage][] = [
      [filtersToPng(weight, { title: 'conv1' }), visualize.filtersToImage(weight, { title: 'conv1' })],
      [
        featureMapsToPng(randn([1, 4, 12, 12], { generator: g })),
        visualize.featureMapsToImage(randn([1, 4, 12, 12], { generator: new Generator(4) })),
      ],
      [lineChartToPng([{ name: 'a', y: [3, 2, 1] }]), visualize.lineChart([{ name: 'a', y: [3, 2, 1] }])],
    ];
    for (const [bytes, img] of cases) {
      expect(Array.from(bytes.slice(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const png = PNG.sync.read(Buffer.from(bytes));
      expect([png.width, png.height]).toEqual([img.width, img.height]);
    }
    const filters = PNG.sync.read(Buffer.from(cases[0]![0]));
    const grays = new Set<number>();
    for (let i = 0; i < filters.data.length; i += 4)
      if (filters.data[i] === filters.data[i + 1] && filters.data[i] === filters.data[i + 2])
        grays.add(filters.data[i]!);
    expect(grays.has(0) && grays.has(255)).toBe(true); // the smallest weight black, the largest white
  });

  it('writePng writes a decodable file', () => {
    const path = join(dir, 'chart.png');
    writePng(path, visualize.lineChart([{ name: 'x', y: [1, 2] }], { width: 200, height: 150 }));
    const png = PNG.sync.read(readFileSync(path));
    expect([png.width, png.height]).toEqual([200, 150]);
  });
});
