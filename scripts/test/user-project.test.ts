// Torchlet as a user gets it: build and pack the three packages, install the tarballs with plain npm into
// a fresh folder outside the workspace, then type-check, run and bundle a user's scripts. The commands and
// files are the README's "Use Torchlet in your own project" section, read from the README itself.
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const userProjectFiles = join(root, 'examples/user-project');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The fenced blocks of the README's section, in order, with their info strings. */
function sectionBlocks(title: string): { lang: string; body: string }[] {
  const start = readme.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "## ${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? '', body: m[2] ?? '' }));
}

// The registry is the one thing outside our reach: without it, say so and skip (never in CI).
function registryReachable(): boolean {
  return spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 30_000 }).status === 0;
}

const blocks = sectionBlocks('Use Torchlet in your own project');
const shellBlocks = blocks.filter((b) => b.lang === 'sh').map((b) => b.body);
const registry = process.env['CI'] ? true : registryReachable();
if (!registry) console.warn('user-project test skipped: the npm registry cannot be reached (npm ping failed)');

describe('the README section "Use Torchlet in your own project"', () => {
  it('shows examples/user-project verbatim: tsconfig.json and src/train.ts', () => {
    expect(blocks.find((b) => b.lang === 'json')?.body).toBe(
      readFileSync(join(userProjectFiles, 'tsconfig.json'), 'utf8'),
    );
    expect(blocks.find((b) => b.lang === 'ts')?.body).toBe(
      readFileSync(join(userProjectFiles, 'src/train.ts'), 'utf8'),
    );
    expect(shellBlocks).toHaveLength(2);
  });

  it("packs the exports the workspace uses, less the 'source' condition, each pointing into dist/", () => {
    for (const name of ['tensor', 'autograd', 'layers']) {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
      const withoutSource = Object.fromEntries(
        Object.entries(pkg.exports as Record<string, Record<string, string> | null>).map(([subpath, target]) => {
          if (target === null) return [subpath, null];
          const { source, ...rest } = target;
          expect(existsSync(join(root, 'packages', name, source!)), `${name}${subpath}: ${source}`).toBe(true);
          expect(rest['types']).toBe(source!.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.d.ts'));
          expect(rest['default']).toBe(source!.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js'));
          return [subpath, rest];
        }),
      );
      expect(pkg.publishConfig.exports, `@torchlet/${name}: publishConfig.exports`).toEqual(withoutSource);
    }
  });
});

describe.runIf(registry)('Torchlet installed from its packed tarballs into a fresh project', () => {
  let home: string; // the user's folder that holds my-cnn
  let project: string;
  const sh = (script: string, cwd: string) =>
    execSync(script, {
      cwd,
      shell: '/bin/bash',
      encoding: 'utf8',
      env: { ...process.env, TORCHLET: root, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 400_000,
    });
  const tsc = (config: string) =>
    spawnSync(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', config], {
      cwd: project,
      encoding: 'utf8',
    });

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'torchlet-user-'));
    // The README's first block: pack in the checkout, make the project, install the tarballs with npm.
    const log = sh(`set -euo pipefail\n${shellBlocks[0]}`, home);
    for (const line of log.split('\n').filter((l) => l.startsWith('packed '))) console.log(line);
    project = join(home, 'my-cnn');
    writeFileSync(join(project, 'tsconfig.json'), readFileSync(join(userProjectFiles, 'tsconfig.json'), 'utf8'));
    sh('mkdir -p src', project);
    for (const file of ['src/train.ts', 'src/browser.ts', 'train.mjs']) {
      writeFileSync(join(project, file), readFileSync(join(userProjectFiles, file), 'utf8'));
    }
  }, 600_000);

  afterAll(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  }, 120_000); // a node_modules tree: slow to delete on a busy disk

  it('installs real copies with no workspace links, tests or fixtures, and no source condition', () => {
    for (const name of ['tensor', 'autograd', 'layers']) {
      const dir = join(project, 'node_modules/@torchlet', name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const text = JSON.stringify(pkg);
      expect(text).not.toMatch(/workspace:|catalog:|"source"/);
      expect(existsSync(join(dir, 'test'))).toBe(false);
      expect(existsSync(join(dir, 'fixtures'))).toBe(false);
      expect(existsSync(join(dir, 'LICENSE'))).toBe(true);
      expect(pkg.license).toBe('MIT');
      expect(readdirSync(dir)).toContain('dist');
    }
    // npm copies a tarball's files; a link would point back into the workspace.
    expect(readFileSync(join(project, 'node_modules/@torchlet/layers/package.json'), 'utf8')).toContain('"0.1.0"');
    expect(sh('npm ls --all --parseable @torchlet/tensor', project)).not.toContain(root + '/packages');
  });

  // Each tsconfig a user may have: the README's, then one stricter or different setting at a time.
  const variants: Record<string, Record<string, unknown>> = {
    'strict, NodeNext, lib ES2022 (the README tsconfig)': {},
    exactOptionalPropertyTypes: { exactOptionalPropertyTypes: true },
    noPropertyAccessFromIndexSignature: { noPropertyAccessFromIndexSignature: true },
    noUncheckedIndexedAccess: { noUncheckedIndexedAccess: true },
    'all three together': {
      exactOptionalPropertyTypes: true,
      noPropertyAccessFromIndexSignature: true,
      noUncheckedIndexedAccess: true,
    },
    'module ESNext, moduleResolution Bundler': { module: 'ESNext', moduleResolution: 'Bundler' },
  };
  for (const [name, options] of Object.entries(variants)) {
    it(`type-checks the user's scripts with skipLibCheck false: ${name}`, () => {
      const config = `tsconfig.check.json`;
      writeFileSync(
        join(project, config),
        JSON.stringify({ extends: './tsconfig.json', compilerOptions: { ...options, noEmit: true } }),
      );
      const result = tsc(config);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    }, 120_000);
  }

  it('type-checks every public entry point under all those settings at once', () => {
    // The declarations of every subpath, testing helpers included (they need fast-check, an optional peer).
    sh('npm install --save-dev fast-check@4', project);
    const entries = ['tensor', 'autograd', 'layers'].flatMap((name) => {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
      return Object.keys(pkg.exports)
        .filter((subpath) => !subpath.includes('*'))
        .map((subpath) => `@torchlet/${name}${subpath.slice(1)}`);
    });
    expect(entries.length).toBeGreaterThanOrEqual(8);
    writeFileSync(
      join(project, 'src/every-entry.ts'),
      entries.map((e, i) => `export * as entry${i} from '${e}';`).join('\n') + '\n',
    );
    for (const resolution of [{}, { module: 'ESNext', moduleResolution: 'Bundler' }]) {
      writeFileSync(
        join(project, 'tsconfig.entries.json'),
        JSON.stringify({
          extends: './tsconfig.json',
          compilerOptions: {
            ...resolution,
            exactOptionalPropertyTypes: true,
            noPropertyAccessFromIndexSignature: true,
            noUncheckedIndexedAccess: true,
            noEmit: true,
          },
          include: ['src/every-entry.ts'],
        }),
      );
      const result = tsc('tsconfig.entries.json');
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
    rmSync(join(project, 'src/every-entry.ts'));
  }, 240_000);

  it('type-checks a browser script with neither the DOM lib nor @types/node', () => {
    writeFileSync(
      join(project, 'tsconfig.browser.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { types: [], lib: ['ES2022'], module: 'ESNext', moduleResolution: 'Bundler', noEmit: true },
        include: ['src/browser.ts'],
      }),
    );
    const result = tsc('tsconfig.browser.json');
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);

  it('compiles and runs the training script with plain node: the loss goes down, the checkpoint loads', () => {
    const out = sh(`set -euo pipefail\n${shellBlocks[1]}`, project);
    const [, first, last] = /loss (\d+\.\d+) -> (\d+\.\d+)/.exec(out) ?? [];
    expect(Number(last)).toBeLessThan(Number(first) * 0.5);
    expect(out).toContain('checkpoint restored: same outputs');
    expect(out).toMatch(/^Sequential\(\n {2}\(0\): Conv2d\(1, 8/m); // console.log(model) prints toString()
    expect(existsSync(join(project, 'model.safetensors'))).toBe(true);
  }, 180_000);

  it('runs a plain .mjs script', () => {
    const out = execFileSync(process.execPath, ['train.mjs'], { cwd: project, encoding: 'utf8' });
    const losses = [...out.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(3);
    expect(losses[2]).toBeLessThan(losses[0]!);
  }, 60_000);

  it('parses a script’s flags with parseFlags from @torchlet/layers/node', () => {
    writeFileSync(
      join(project, 'flags.mjs'),
      `import { parseFlags, UsageError } from '@torchlet/layers/node';
const spec = { epochs: { type: 'int', default: 2, min: 1 }, backend: { type: 'choice', default: 'wasm', choices: ['wasm', 'js'] }, quick: { type: 'boolean' } };
try {
  console.log(JSON.stringify(parseFlags(process.argv.slice(2), spec, 'usage: flags.mjs [--epochs N]')));
} catch (e) {
  console.log(e instanceof UsageError ? 'usage error: ' + e.message.split('\\n')[0] : 'other error');
}
`,
    );
    const run = (...args: string[]) =>
      execFileSync(process.execPath, ['flags.mjs', ...args], { cwd: project, encoding: 'utf8' }).trim();
    expect(JSON.parse(run('--epochs=5', '--quick'))).toEqual({ epochs: 5, backend: 'wasm', quick: true });
    expect(JSON.parse(run())).toEqual({ epochs: 2, backend: 'wasm', quick: false });
    expect(run('--epoch', '3')).toMatch(/^usage error: .*epoch/);
    expect(run('--epochs', '0')).toMatch(/^usage error: --epochs/);
    expect(run('--backend', 'gpu')).toMatch(/^usage error: --backend must be wasm or js, got gpu/);
  }, 60_000);

  it('exports a residual CNN to ONNX and imports it back from the packed packages', () => {
    writeFileSync(
      join(project, 'onnx.mjs'),
      `import { add, defineOp, noGrad, relu } from '@torchlet/autograd';
import { Conv2d, Module, importOnnx, registerOnnxConverter, toOnnxBytes } from '@torchlet/layers';
import { mul, randn, sigmoid } from '@torchlet/tensor';
const swish = defineOp({ name: 'swish', forward: (_c, x) => mul(x, sigmoid(x)), backward: () => [null] });
registerOnnxConverter('swish', (call) => call.node('Mul', [call.input(0), call.node('Sigmoid', [call.input(0)])]));
class Net extends Module {
  conv = new Conv2d(2, 2, 3, { padding: 1 });
  forward(x) { return swish(relu(add(x, this.conv.forward(x)))); }
}
const net = new Net().eval();
const bytes = toOnnxBytes(net, [1, 2, 5, 5]);
const back = importOnnx(bytes).eval();
const x = randn([3, 2, 5, 5]);
const a = noGrad(() => net.forward(x)).data.toTypedArray();
const b = noGrad(() => back.forward(x)).data.toTypedArray();
console.log('onnx bytes', bytes.length, 'max diff', Math.max(...a.map((v, i) => Math.abs(v - b[i]))));
`,
    );
    const out = execFileSync(process.execPath, ['onnx.mjs'], { cwd: project, encoding: 'utf8' });
    const diff = Number(/max diff (\S+)/.exec(out)![1]);
    expect(diff).toBeLessThan(1e-6);
  }, 60_000);

  it('bundles for the browser with esbuild, reaching no node: module', async () => {
    sh('npm install --save-dev esbuild', project);
    sh(
      'npx esbuild src/browser.ts --bundle --format=esm --platform=browser --metafile=meta.json --outfile=page.js',
      project,
    );
    const meta = JSON.parse(readFileSync(join(project, 'meta.json'), 'utf8')) as {
      inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    };
    const reached = Object.values(meta.inputs).flatMap((i) =>
      i.imports.filter((x) => x.external || /^node:/.test(x.path)),
    );
    expect(reached).toEqual([]);
    // The bundle runs (Node stands in for the page here) and computes with the packages inside it.
    const page = await import(/* @vite-ignore */ pathToFileURL(join(project, 'page.js')).href);
    expect(page.summary).toMatch(/^tensor\(\[\[.*\]\][\s\S]* on (wasm|js|native)$/);
  }, 180_000);

  it('built the workspace browser bundle, which runs autograd in Node', async () => {
    const bundle = join(root, 'dist/torchlet.browser.js');
    expect(existsSync(bundle)).toBe(true);
    const { tensor, autograd } = await import(/* @vite-ignore */ pathToFileURL(bundle).href);
    const x = autograd.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    autograd.sum(autograd.mul(x, x)).backward();
    expect(x.grad.toArray()).toEqual([2, 4, 6]);
    expect(tensor.matmul(tensor.eye(2), tensor.tensor([[5], [7]])).toArray()).toEqual([[5], [7]]);
  });
});
