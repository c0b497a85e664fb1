import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, randn, Tensor, tensor } from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsError } from '../../src/io/safetensors.js';
import { load, loadWithMetadata, save } from '../../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'torchlet-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bits(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

describe('save / load', () => {
  it('save → load is bit-exact and keeps metadata', () => {
    const g = new Generator(3);
    const sd = {
      'features.0.weight': randn([6, 1, 5, 5], { generator: g }),
      'features.0.bias': randn([6], { generator: g }),
      'bn.running_var': randn([6], { dtype: 'float64', generator: g }),
      'bn.num_batches_tracked': tensor([17], { dtype: 'int32' }),
    };
    const path = join(dir, 'model.safetensors');
    save(path, sd, { epoch: '2' });
    const { tensors, metadata } = loadWithMetadata(path);
    expect(metadata).toEqual({ epoch: '2' });
    for (const [k, t] of Object.entries(sd)) {
      expect(tensors[k]!.shape).toEqual(t.shape);
      expect(bits(tensors[k]!)).toEqual(bits(t));
    }
    expect(Object.keys(load(path)).sort()).toEqual(Object.keys(sd).sort());
  });

  it('overwrites atomically and leaves no temporary files behind', () => {
    const path = join(dir, 'again.safetensors');
    save(path, { a: tensor([1, 2]) });
    save(path, { a: tensor([3, 4, 5]) });
    expect(load(path).a!.toArray()).toEqual([3, 4, 5]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it("removes temporaries of the same target whose writer is gone, and no one else's", () => {
    const sub = mkdtempSync(join(dir, 'stale-'));
    const path = join(sub, 'last.safetensors');
    const gone = spawnSync(process.execPath, ['-e', '']).pid!; // has exited: its pid is free
    const alive = process.ppid;
    const stale = `.last.safetensors.${gone}.1700000000000.1.tmp`;
    const running = `.last.safetensors.${alive}.1700000000000.2.tmp`; // a concurrent save in progress
    const otherTarget = `.best.safetensors.${gone}.1700000000000.1.tmp`;
    const notOurs = `.last.safetensors.notes.tmp`;
    for (const f of [stale, running, otherTarget, notOurs]) writeFileSync(join(sub, f), 'x');
    save(path, { a: tensor([1]) });
    expect(readdirSync(sub).sort()).toEqual([running, otherTarget, notOurs, 'last.safetensors'].sort());
  });

  it('a failed encode leaves the previous checkpoint untouched', () => {
    const path = join(dir, 'keep.safetensors');
    save(path, { a: tensor([1]) });
    const before = readFileSync(path);
    expect(() => save(path, { a: 'oops' as never })).toThrow(TypeError);
    expect(readFileSync(path)).toEqual(before);
  });

  it('a truncated checkpoint gives a SafetensorsError naming the problem', () => {
    const path = join(dir, 'cut.safetensors');
    save(path, { w: randn([100], { generator: new Generator(1) }) });
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    expect(() => load(path)).toThrow(SafetensorsError);
    expect(() => load(path)).toThrow(/entry 'w' has data_offsets \[0, 400\] outside the 390-byte data region/);
    writeFileSync(path, bytes.subarray(0, 20));
    expect(() => load(path)).toThrow(/runs past the end of the 20-byte file/);
    writeFileSync(path, bytes.subarray(0, 3));
    expect(() => load(path)).toThrow(/file is 3 bytes, shorter than the 8-byte header length/);
  });

  it('a file whose header claims gigabytes fails without reading them', () => {
    const path = join(dir, 'huge.safetensors');
    const bytes = new Uint8Array(64);
    new DataView(bytes.buffer).setUint32(4, 3, true); // header length 3·2^32
    writeFileSync(path, bytes);
    expect(() => load(path)).toThrow(/exceeds the 100000000-byte limit/);
  });

  it('a missing file is the usual ENOENT', () => {
    expect(() => load(join(dir, 'nope.safetensors'))).toThrow(/ENOENT/);
  });
});
