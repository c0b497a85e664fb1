// Runs the whole vitest suite N times in a row, optionally beside CPU-heavy processes, and reports
// every failure by file and test name: the tool for finding flaky tests (a test that races the clock
// fails only now and then, and more often on a loaded machine).
//
//   node scripts/run-many.mjs [--runs N] [--load K] [--out DIR] [-- vitest args...]
//   pnpm test:many --runs 20 --load 2
//
// --runs N   how many runs (default 5)
// --load K   K busy processes spin beside the suite for the whole time (default 0); they are stopped
//            at the end, on failure and on Ctrl-C
// --out DIR  where each run's log and JSON report go (default artifacts/run-many/<date>)
// Anything after `--` goes to `vitest run` (e.g. a test directory to repeat only that part).
// Exits 1 if any run failed. Formatting and typechecking are deterministic, so only vitest repeats.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const usage = 'usage: node scripts/run-many.mjs [--runs N] [--load K] [--out DIR] [-- vitest args...]';

function parseOptions(argv) {
  // Everything after `--` goes to vitest untouched.
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  let values;
  try {
    ({ values } = parseArgs({
      args: own,
      options: {
        runs: { type: 'string', default: '5' },
        load: { type: 'string', default: '0' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail(e.message);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const whole = (flag, min) => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < min) fail(`--${flag} wants a whole number >= ${min}, got ${values[flag]}`);
    return n;
  };
  if (values.out === '') fail('--out wants a directory');
  return {
    runs: whole('runs', 1),
    load: whole('load', 0),
    out: values.out === undefined ? null : resolve(values.out),
    vitestArgs: split < 0 ? [] : argv.slice(split + 1),
  };
}

function fail(message) {
  console.error(`run-many: ${message}\n${usage}`);
  process.exit(2);
}

const options = parseOptions(process.argv.slice(2));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = options.out ?? join(root, 'artifacts', 'run-many', stamp);
mkdirSync(out, { recursive: true });

// The load: processes that keep one core each busy with floating-point work, as another
// session's benchmark or test run would.
const loaders = [];
function startLoad(count) {
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, ['-e', 'let x = 0; for (;;) x = Math.sqrt(x + Math.random());'], {
      stdio: 'ignore',
    });
    loaders.push(child);
  }
}
function stopLoad() {
  for (const child of loaders) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
let current = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopLoad();
    current?.kill('SIGTERM');
    process.exit(130);
  });
}
process.on('exit', stopLoad);

/** One `vitest run`; resolves with its exit code and duration. Its output goes to `log`. */
function runOnce(index) {
  const log = join(out, `run-${index}.log`);
  const report = join(out, `run-${index}.json`);
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  const start = performance.now();
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [...args, ...options.vitestArgs], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    current = child;
    const file = createWriteStream(log);
    child.stdout.pipe(file, { end: false });
    child.stderr.pipe(file, { end: false });
    child.on('close', (code, signal) => {
      current = null;
      file.end();
      resolveRun({ code: code ?? 1, signal, seconds: (performance.now() - start) / 1000, log, report });
    });
  });
}

/** A failure message without the test runner's own stack frames, at most 8 lines. */
function briefly(message) {
  const lines = message.split('\n').filter((l) => !(/^\s*at /.test(l) && /node_modules|node:internal/.test(l)));
  return lines.slice(0, 8).join('\n');
}

/**
 * What failed in one run, from vitest's JSON report: failed tests by file and full name, files that
 * failed without a failed test (an import error, an error outside any test), and — when the report
 * is missing — the tail of the log.
 */
function failuresOf(run) {
  const failures = [];
  let passed = 0;
  if (!existsSync(run.report)) {
    const tail = readFileSync(run.log, 'utf8').split('\n').slice(-15).join('\n');
    return {
      passed,
      failures: [{ name: `vitest exited with ${run.signal ?? run.code} and wrote no report`, detail: tail }],
    };
  }
  const report = JSON.parse(readFileSync(run.report, 'utf8'));
  for (const file of report.testResults ?? []) {
    const path = relative(root, file.name);
    let failedHere = 0;
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'passed') passed++;
      if (test.status !== 'failed') continue;
      failedHere++;
      const detail = briefly((test.failureMessages ?? []).join('\n'));
      failures.push({ name: `${path} > ${test.fullName}`, detail });
    }
    if (file.status === 'failed' && failedHere === 0)
      failures.push({ name: `${path} (the file failed outside its tests)`, detail: briefly(file.message ?? '') });
  }
  if (run.code !== 0 && failures.length === 0) {
    const errors = readFileSync(run.log, 'utf8')
      .split('\n')
      .filter((l) => /Unhandled|Error:/.test(l))
      .slice(0, 10)
      .join('\n');
    failures.push({ name: `vitest exited with ${run.code} (no failed test: an unhandled error?)`, detail: errors });
  }
  return { passed, failures };
}

const describeLoad = options.load > 0 ? ` beside ${options.load} busy process${options.load > 1 ? 'es' : ''}` : '';
console.log(`run-many: ${options.runs} runs of vitest${describeLoad}; logs in ${relative(root, out) || '.'}`);
startLoad(options.load);
const runs = [];
const byName = new Map();
for (let i = 1; i <= options.runs; i++) {
  const run = await runOnce(i);
  const { passed, failures } = failuresOf(run);
  runs.push({ index: i, seconds: run.seconds, passed, failed: failures.length, failures });
  for (const f of failures) byName.set(f.name, [...(byName.get(f.name) ?? []), i]);
  const state = failures.length === 0 ? 'ok' : `${failures.length} FAILED`;
  console.log(`run ${i}/${options.runs}: ${state}, ${passed} passed, ${run.seconds.toFixed(1)} s`);
  for (const f of failures) console.log(`  ✗ ${f.name}\n${f.detail.replace(/^/gm, '      ')}`);
}
stopLoad();

const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b);
const median = seconds[Math.floor((seconds.length - 1) / 2)];
const failedRuns = runs.filter((r) => r.failed > 0).length;
console.log(
  `\nrun-many: ${failedRuns} of ${runs.length} runs failed${describeLoad}; ` +
    `duration min ${seconds[0].toFixed(1)} s, median ${median.toFixed(1)} s, max ${seconds.at(-1).toFixed(1)} s`,
);
for (const [name, where] of byName)
  console.log(`  ✗ ${name}: failed in run${where.length > 1 ? 's' : ''} ${where.join(', ')}`);
writeFileSync(
  join(out, 'summary.json'),
  JSON.stringify({ runs: options.runs, load: options.load, vitestArgs: options.vitestArgs, results: runs }, null, 2) +
    '\n',
);
process.exit(failedRuns > 0 ? 1 : 0);
