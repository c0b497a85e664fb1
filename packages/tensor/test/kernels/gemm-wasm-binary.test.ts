import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GEMM_WASM, MEMORY_FLAGS_AT } from '../../src/kernels/gemm-wasm-binary.js';
import { gemmWasmBytes } from '../../src/kernels/wasm/runtime.js';
import { CONV, PARAMS_BYTES, PRODUCT, WEIGHT_GRAD } from '../../src/kernels/wasm/slots.js';
// @ts-expect-error: a plain ES module without declarations (the build script's input)
import { slotTable } from '../../../../scripts/wasm-slots.mjs';
// @ts-expect-error: a plain ES module without declarations (the build script)
import { sharedFlagOffset } from '../../../../scripts/build-wasm.mjs';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

describe('the parameter slots (packages/tensor/wasm/slots.json)', () => {
  it('give each field of a block its own slots, f64 on even ones, all inside PARAMS_BYTES', () => {
    const sizes: Record<string, number> = { f64: 2, geometry: 13 };
    const byBlock = new Map<string, Set<number>>();
    for (const { block, name, type, slot } of slotTable()) {
      const taken = byBlock.get(block) ?? new Set<number>();
      byBlock.set(block, taken);
      if (type === 'f64') expect(slot % 2, `${block}.${name}`).toBe(0);
      for (let s = slot; s < slot + (sizes[type] ?? 1); s++) {
        expect(taken.has(s), `${block}.${name} overlaps`).toBe(false);
        taken.add(s);
        expect(s * 4).toBeLessThan(PARAMS_BYTES);
      }
      // Every block but the product's starts after the product block and its kind.
      if (block !== 'product') expect(slot).toBeGreaterThan(PRODUCT.kind);
    }
    expect([CONV.geometry, WEIGHT_GRAD.geometry, CONV.pooled, WEIGHT_GRAD.count]).toEqual([31, 31, 44, 44]);
  });
});

describe('gemm-wasm-binary (generated)', () => {
  it('is what scripts/build-wasm.mjs compiles from packages/tensor/wasm/*.as.ts today, with both slot tables generated from slots.json', () => {
    const check = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('is built only when the shared build differs from the plain one in the shared flag alone', () => {
    const plain = Buffer.from([0, 0x61, 0x01, 7]);
    expect(sharedFlagOffset(plain, Buffer.from([0, 0x61, 0x03, 7]))).toBe(2);
    expect(() => sharedFlagOffset(plain, Buffer.from([0, 0x62, 0x03, 7]))).toThrow(
      /more than the memory's shared flag/,
    );
    expect(() => sharedFlagOffset(plain, Buffer.from([0, 0x61, 0x05, 7]))).toThrow(
      /more than the memory's shared flag/,
    );
    expect(() => sharedFlagOffset(plain, Buffer.from([0, 0x61, 0x03, 7, 0]))).toThrow(
      /more than the memory's shared flag/,
    );
  });

  it('holds one module whose byte at MEMORY_FLAGS_AT is its memory import flags: unshared, with a maximum', () => {
    const bytes = Buffer.from(GEMM_WASM, 'base64');
    // The import section's one entry: module 'env', field 'memory', kind memory (2), then its limits flags.
    const entry = Buffer.concat([
      Buffer.from([3]),
      Buffer.from('env'),
      Buffer.from([6]),
      Buffer.from('memory'),
      Buffer.from([2]),
    ]);
    expect(bytes.indexOf(entry) + entry.length).toBe(MEMORY_FLAGS_AT);
    expect(bytes[MEMORY_FLAGS_AT]).toBe(0x01);
    expect(gemmWasmBytes(true)[MEMORY_FLAGS_AT]).toBe(0x03);
    expect(Buffer.compare(gemmWasmBytes(false), bytes)).toBe(0);
  });

  it('gives two valid SIMD modules that import env.memory, unshared and shared', () => {
    for (const shared of [false, true]) {
      const bytes = gemmWasmBytes(shared);
      expect(WebAssembly.validate(bytes)).toBe(true);
      const module = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(
        WebAssembly.Module.exports(module)
          .map((e) => e.name)
          .sort(),
      ).toEqual([
        'gemm',
        'gemmTask',
        'heapBase',
        'packWhole',
        'packedWholeFloats',
        'scratchBytes',
        'threadColsFloats',
        'tileCols',
        'tileRows',
      ]);
      // An imported memory's sharedness is part of the module's type: only the matching kind links.
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared });
      expect(() => new WebAssembly.Instance(module, { env: { memory } })).not.toThrow();
      const other = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: !shared });
      expect(() => new WebAssembly.Instance(module, { env: { memory: other } })).toThrow(WebAssembly.LinkError);
    }
  });
});
