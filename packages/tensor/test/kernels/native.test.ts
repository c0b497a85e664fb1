import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getBackendInfo, NativeGemm } from '@torchlet/tensor/kernels';

const buildScript = resolve(import.meta.dirname, '../../native/build.mjs');
const compilerHere = ['c++', 'g++', 'clang++'].some((c) => spawnSync(c, ['--version']).status === 0);
const dirs: string[] = [];
const savedDir = process.env.TORCHLET_NATIVE_DIR;

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  if (savedDir === undefined) delete process.env.TORCHLET_NATIVE_DIR;
  else process.env.TORCHLET_NATIVE_DIR = savedDir;
  vi.resetModules();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'torchlet-native-'));
  dirs.push(dir);
  return dir;
}

/** Runs the install-time build into `out` with `env` on top of a minimal environment. */
function build(out: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [buildScript], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env, TORCHLET_NATIVE_OUT: out },
  });
}

/** A fresh copy of the kernels module that looks for the addon in `dir` (as a new process would). */
async function kernelsWithNativeDir(dir: string) {
  process.env.TORCHLET_NATIVE_DIR = dir;
  vi.resetModules();
  return import('@torchlet/tensor/kernels');
}

describe('native backend', () => {
  it.runIf(compilerHere)('is built and loaded wherever a C++ compiler exists (pnpm install builds it)', () => {
    const info = getBackendInfo();
    expect(info.nativeReason).toBe('');
    expect(info.native).toBe(true);
    expect(info.nativeSimd).not.toBe('');
    expect(new NativeGemm().simd).toBe(info.nativeSimd);
  });

  it('without a compiler the install succeeds with one line, and the backend falls back to wasm saying why', async () => {
    const out = tempDir();
    const result = build(out, { PATH: join(out, 'no-such-bin'), CXX: '' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      '@torchlet/tensor: native backend not built (no C++ compiler); using WebAssembly',
    ]);
    expect(JSON.parse(readFileSync(join(out, 'status.json'), 'utf8'))).toMatchObject({
      ok: false,
      reason: 'no C++ compiler',
    });
    const kernels = await kernelsWithNativeDir(out);
    expect(kernels.getBackendInfo()).toMatchObject({ native: false, nativeReason: 'no C++ compiler', nativeSimd: '' });
    expect(kernels.getGemm().name).toBe(process.env.TORCHLET_BACKEND || 'wasm');
    expect(() => kernels.setBackend('native')).toThrow(
      'setBackend: the native backend is unavailable: no C++ compiler',
    );
    expect(() => new kernels.NativeGemm()).toThrow(RangeError);
  });

  it('a compiler that fails gives "build failed" with its first error line, and exit code 0', async () => {
    const out = tempDir();
    const fake = join(out, 'fake-cxx');
    writeFileSync(fake, '#!/bin/sh\n[ "$1" = --version ] && exit 0\necho "fake-cxx: error: simulated" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    const result = build(out, { CXX: fake });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toContain('native backend not built (build failed: fake-cxx: error: simulated;');
    const kernels = await kernelsWithNativeDir(out);
    expect(kernels.getBackendInfo().nativeReason).toMatch(/^build failed: fake-cxx: error: simulated; log in /);
  });

  it('TORCHLET_NATIVE=0 skips the build; a directory never built says so', async () => {
    const out = tempDir();
    expect(build(out, { TORCHLET_NATIVE: '0' }).stdout).toContain('not built (TORCHLET_NATIVE=0)');
    expect((await kernelsWithNativeDir(out)).getBackendInfo().nativeReason).toBe('TORCHLET_NATIVE=0');
    const empty = tempDir();
    expect((await kernelsWithNativeDir(empty)).getBackendInfo().nativeReason).toMatch(/^not built/);
  });

  it('NativeGemm rejects a bad thread count, a bad threshold and unknown option keys', () => {
    expect(() => new NativeGemm({ threads: 0 })).toThrow(RangeError);
    expect(() => new NativeGemm({ threads: 1.5 })).toThrow(
      /NativeGemm: threads must be an integer in \[1, 256\], got 1.5/,
    );
    expect(() => new NativeGemm({ minParallelFlops: -1 })).toThrow(/NativeGemm: minParallelFlops must be/);
    expect(() => new NativeGemm({ thread: 2 } as never)).toThrow(
      /NativeGemm: unknown option 'thread'; did you mean 'threads'/,
    );
  });
});
