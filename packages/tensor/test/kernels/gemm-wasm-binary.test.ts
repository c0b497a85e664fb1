import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GEMM_WASM, GEMM_WASM_SHARED } from '../../src/kernels/gemm-wasm-binary.js';
import { CONV, PARAMS_BYTES, PRODUCT, WEIGHT_GRAD } from '../../src/kernels/wasm/slots.js';
// @ts-expect-error: a plain ES module without declarations (the build script's input)
import { slotTable } from '../../../../scripts/wasm-slots.mjs';

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

  it('holds two valid SIMD modules that import env.memory, unshared and shared', () => {
    for (const [base64, shared] of [
      [GEMM_WASM, false],
      [GEMM_WASM_SHARED, true],
    ] as const) {
      const bytes = Buffer.from(base64, 'base64');
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
