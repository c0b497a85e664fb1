import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GEMM_WASM, GEMM_WASM_SHARED } from '../../src/kernels/gemm-wasm-binary.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

describe('gemm-wasm-binary (generated)', () => {
  it('is what scripts/build-wasm.mjs compiles from packages/tensor/wasm/gemm.as.ts today', () => {
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
