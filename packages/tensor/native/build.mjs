#!/usr/bin/env node
// Builds the native backend (src/torchlet.cc → build/torchlet.node) for the machine it runs on; the
// package's "install" script. It never fails an install: without a C++ compiler, Node-API headers or a
// supported platform, or when the compiler fails, it prints one line, records why in build/status.json
// (getBackendInfo() reports it) and exits 0, and Torchlet runs on its WebAssembly backend.
//
// Environment: CXX picks the compiler (default: c++, g++, clang++, the first that runs);
// TORCHLET_NATIVE=0 skips the build; TORCHLET_NATIVE_OUT builds into another directory (tests).
// Nothing is downloaded: the headers come from the node-api-headers package or Node's own include/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.env.TORCHLET_NATIVE_OUT || join(here, 'build'));
const source = join(here, 'src', 'torchlet.cc');

function finish(status, line) {
  try {
    mkdirSync(out, { recursive: true });
    const tmp = join(out, `status.json.${process.pid}`);
    writeFileSync(tmp, JSON.stringify({ ...status, node: process.version, date: new Date().toISOString() }) + '\n');
    renameSync(tmp, join(out, 'status.json'));
  } catch {
    // an unwritable package directory: the loader then says "not built"
  }
  console.log(line);
  process.exit(0);
}

function skip(reason) {
  finish({ ok: false, reason }, `@torchlet/tensor: native backend not built (${reason}); using WebAssembly`);
}

try {
  if (process.env.TORCHLET_NATIVE === '0') skip('TORCHLET_NATIVE=0');
  if (process.platform === 'win32') skip('Windows builds are not supported yet');

  const compiler = [process.env.CXX, 'c++', 'g++', 'clang++']
    .filter((c) => c !== undefined && c !== '')
    .find((c) => {
      const probe = spawnSync(c, ['--version'], { encoding: 'utf8' });
      return probe.status === 0;
    });
  if (compiler === undefined) skip(`no C++ compiler${process.env.CXX ? ` (CXX=${process.env.CXX} does not run)` : ''}`);

  const include = headerDir();
  if (include === undefined) skip('no Node-API headers (node_api.h)');

  mkdirSync(out, { recursive: true });
  const target = join(out, 'torchlet.node');
  const tmp = join(out, `torchlet.node.${process.pid}`);
  const common = [
    '-std=c++17',
    '-O3',
    '-ffp-contract=off',
    '-fno-math-errno',
    '-fPIC',
    '-shared',
    '-pthread',
    '-fvisibility=hidden',
    `-I${include}`,
  ];
  const link = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
  // For this machine first; a compiler that does not know -march=native gets a portable build.
  const attempts = [['-march=native'], []];
  let log = '';
  for (const arch of attempts) {
    const args = [...common, ...arch, source, '-o', tmp, ...link];
    const run = spawnSync(compiler, args, { encoding: 'utf8' });
    log += `$ ${compiler} ${args.join(' ')}\n${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}\n`;
    if (run.status === 0 && existsSync(tmp)) {
      renameSync(tmp, target);
      writeFileSync(join(out, 'build.log'), log);
      finish(
        { ok: true, compiler, flags: [...common, ...arch].filter((f) => !f.startsWith('-I')) },
        `@torchlet/tensor: native backend built (${compiler} ${arch.join(' ') || 'portable'})`,
      );
    }
  }
  rmSync(tmp, { force: true });
  writeFileSync(join(out, 'build.log'), log);
  const firstError = log.split('\n').find((l) => /error/i.test(l)) ?? 'see build.log';
  skip(`build failed: ${firstError.trim().slice(0, 200)}; log in ${join(out, 'build.log')}`);
} catch (error) {
  skip(`build script error: ${error instanceof Error ? error.message : String(error)}`);
}

// node-api-headers when installed, else the headers of the Node that runs this script.
function headerDir() {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('node-api-headers/package.json')), 'include');
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  } catch {
    // not installed
  }
  const own = resolve(dirname(process.execPath), '..', 'include', 'node');
  return existsSync(join(own, 'node_api.h')) ? own : undefined;
}
