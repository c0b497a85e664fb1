import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchState } from '../src/bench-page.js';
import type { DemoState } from '../src/page.js';

const CHROMIUM = '/usr/bin/chromium';
const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Git-ignored (`/artifacts/`): the screenshots are kept for a person to look at. */
const artifacts = resolve(demoDir, '..', '..', 'artifacts');
// CI installs Debian's chromium (.ci/run); elsewhere a missing browser skips rather than fails.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI)
  throw new Error(`${CHROMIUM} is missing; .ci/run installs it with apt-get install -y chromium`);

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let url = '';

/** Starts scripts/serve.mjs on a free port and resolves with the address it prints. */
function startServer(): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(process.execPath, [join(demoDir, 'scripts', 'serve.mjs'), '--port', '0'], {
      cwd: demoDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (match) resolveUrl(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code} before serving:\n${err}`)));
  });
}

/** Everything the page complains about: uncaught errors, console errors and warnings, failed requests. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  return problems;
}

const demo = (page: Page) => page.evaluate(() => (window as unknown as { demo: DemoState }).demo);

/** Waits (polling, no fixed sleeps) until `predicate(window.demo)` holds or the page reports an error. */
async function waitForDemo(page: Page, predicate: string, timeout: number): Promise<DemoState> {
  await page.waitForFunction(
    `(() => { const d = window.demo; return d !== undefined && (d.error !== null || (${predicate})); })()`,
    undefined,
    { timeout, polling: 250 },
  );
  const d = await demo(page);
  expect(d.error).toBeNull();
  return d;
}

/** A mouse stroke through `points` (pad coordinates, 0–280) on the drawing pad. */
async function drawWithMouse(page: Page, points: [number, number][]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const;
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

/** The same with a finger: raw touch events through the DevTools protocol (Playwright's API only taps). */
async function drawWithTouch(page: Page, points: [number, number][]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const at = ([x, y]: [number, number]) => ({ x: box.x + (x * box.width) / 280, y: box.y + (y * box.height) / 280 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(points[0]!)] });
  for (const p of points.slice(1))
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(p)] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** Points along an ellipse centred in the pad: a zero. */
const zero = Array.from({ length: 25 }, (_, i) => {
  const t = (2 * Math.PI * i) / 24;
  return [140 + 55 * Math.sin(t), 140 - 90 * Math.cos(t)] as [number, number];
});

describe.skipIf(!haveChromium)('browser demo and bench page in headless Chromium', () => {
  beforeAll(async () => {
    url = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  it('is cross-origin isolated and trains on every core; a drawn digit is read; train again (by keyboard) with another model; the console stays clean', async () => {
    const page: Page = await browser!.newPage({ viewport: { width: 1280, height: 1100 }, hasTouch: true });
    const problems = watchConsole(page);
    await page.goto(`${url}?epochs=1&evalEvery=40`);
    let d = await waitForDemo(page, 'd.done', 120_000);

    // Isolated, so the worker's WebAssembly GEMM runs a thread per core, and the page says so.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(d.runtime!.crossOriginIsolated).toBe(true);
    expect(d.runtime!.backend.backend).toBe('wasm');
    expect(d.runtime!.backend.threadsAvailable).toBe(true);
    expect(d.runtime!.backend.threads).toBe(cores);
    expect(await page.textContent('#backend')).toContain(`wasm × ${cores} thread`);

    // One epoch over 5,000 digits in batches of 32: the loss falls, the accuracy climbs.
    expect(d.losses).toHaveLength(157);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(d.losses.slice(0, 10))).toBeGreaterThan(1.8); // ≈ ln 10 = 2.30 before learning
    expect(mean(d.losses.slice(-20))).toBeLessThan(0.7);
    const accuracies = d.accuracies.map((a) => a.accuracy);
    expect(accuracies.length).toBeGreaterThanOrEqual(4); // every 40 batches and at the epoch's end
    expect(accuracies[accuracies.length - 1]!).toBeGreaterThan(0.8);
    expect(accuracies[accuracies.length - 1]!).toBeGreaterThan(accuracies[0]!);
    // The main thread stayed free while the worker trained: it drew animation frames throughout, at
    // least one between any two evaluations (40 batches apart). Counted per stretch of training, not
    // per second, so that a loaded machine, which slows training and drawing alike, cannot fail it.
    const framesAtEvals = d.accuracies.map((a) => a.frames);
    for (let i = 1; i < framesAtEvals.length; i++) expect(framesAtEvals[i]!).toBeGreaterThan(framesAtEvals[i - 1]!);
    expect(d.pictures).toBeGreaterThan(10);
    const filterShades = await page.evaluate(() => {
      const canvas = document.getElementById('filters') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const shades = new Set<number>();
      for (let i = 0; i < data.length; i += 4) shades.add(data[i]!);
      return { width: canvas.width, shades: shades.size };
    });
    expect(filterShades.width).toBeGreaterThan(100);
    expect(filterShades.shades).toBeGreaterThan(50);
    expect(await page.textContent('#status')).toMatch(/^done: test accuracy \d+\.\d % after/);

    // A "1" drawn with the mouse: the network reads it, with ten probabilities and two layers of feature maps.
    await drawWithMouse(page, [
      [140, 40],
      [140, 140],
      [140, 240],
    ]);
    d = await waitForDemo(page, 'd.classified !== null', 30_000);
    expect(d.classified!.probabilities).toHaveLength(10);
    expect(mean(d.classified!.probabilities) * 10).toBeCloseTo(1, 5);
    expect(d.classified!.predicted).toBe(1);
    expect(d.classified!.featureMaps).toBe(2);
    expect(await page.locator('#feature-maps canvas').count()).toBe(2);
    expect(await page.textContent('#prediction')).toMatch(/^1 \(\d+ %\)$/);
    await page.screenshot({ path: join(artifacts, 'browser-demo.png'), fullPage: true });

    // A "0" drawn with a finger, after Clear.
    await page.click('#clear');
    const before = d.classifications;
    await drawWithTouch(page, zero);
    d = await waitForDemo(page, `d.classifications > ${before}`, 30_000);
    expect(d.classified!.predicted).toBe(0);

    // Train again with the keyboard alone: pick the tiny model and one epoch, then press the button.
    await page.focus('#model-choice');
    await page.keyboard.press('Home'); // the first model: tiny
    await page.keyboard.press('Tab'); // → epochs
    await page.keyboard.press('Home'); // 1 epoch
    await page.keyboard.press('Tab'); // → Train again
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('train');
    await page.keyboard.press('Enter');
    d = await waitForDemo(page, 'd.runs.length === 2 && d.runs[1].done', 60_000);
    expect(d.runs.map((r) => r.model)).toEqual(['small', 'tiny']);
    expect(d.runs[1]!.steps).toBe(157);
    expect(d.runs[1]!.accuracy!).toBeGreaterThan(0.8);
    expect(await page.textContent('#model')).toMatch(/^Conv\(4\)-Pool-Linear, 7,954 parameters$/);

    // "Show a test digit" (keyboard too): the new network reads it; the tiny model has one conv layer.
    const asked = d.classifications;
    await page.focus('#sample');
    await page.keyboard.press('Enter');
    d = await waitForDemo(page, `d.classifications > ${asked}`, 30_000);
    expect(d.classified!.featureMaps).toBe(1);
    expect(await page.textContent('#sample-label')).toMatch(/^test digit #0, labelled \d$/);

    expect(problems).toEqual([]);
    await page.close();
  });

  it('without COOP/COEP the page is not isolated and trains on one thread', async () => {
    const page: Page = await browser!.newPage();
    const problems = watchConsole(page);
    await page.goto(`${url}?isolated=0&epochs=1`);
    const d = await waitForDemo(page, 'd.runtime !== null && d.losses.length >= 40', 120_000);
    expect(d.runtime!.crossOriginIsolated).toBe(false);
    expect(d.runtime!.backend.threadsAvailable).toBe(false);
    expect(d.runtime!.backend.threads).toBe(1);
    expect(await page.textContent('#backend')).toContain('not cross-origin isolated');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(d.losses.slice(-10))).toBeLessThan(mean(d.losses.slice(0, 10)));
    await page.click('#stop');
    const stopped = await waitForDemo(page, 'd.done', 60_000);
    expect(stopped.runs[0]!.stopped).toBe(true);
    expect(await page.textContent('#status')).toMatch(/^stopped: test accuracy/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the bench page times Torchlet and TF.js on the same workloads, every cell a number or a stated "cannot"', async () => {
    const page: Page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}bench.html?quick=1&only=gemm 256&only=[64,32,14,14]&only=lenet`);
    await page.waitForFunction(
      () => {
        const b = (window as unknown as { bench?: BenchState }).bench;
        return b !== undefined && (b.done || b.error !== null);
      },
      undefined,
      { timeout: 270_000, polling: 500 },
    );
    const bench = await page.evaluate(() => (window as unknown as { bench: BenchState }).bench);
    expect(bench.error).toBeNull();
    expect(errors).toEqual([]);
    expect(bench.setup.join('\n')).toMatch(/cross-origin isolated/);
    expect(bench.setup.join('\n')).toMatch(/TensorFlow\.js 4\.22\.0/);

    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const workloads = [...new Set(bench.rows.map((r) => r.workload))];
    expect(workloads).toEqual([
      'gemm 256³',
      'conv2d fwd [64,32,14,14]*[64,32,3,3] p1',
      'conv2d fwd+bwd [64,32,14,14]*[64,32,3,3] p1',
      'lenet-5 train step (batch 64)',
    ]);
    for (const w of workloads) {
      const impls = bench.rows.filter((r) => r.workload === w).map((r) => r.impl);
      expect(impls).toContain('torchlet wasm×1');
      if (cores > 1) expect(impls).toContain(`torchlet wasm×${cores}`);
      // TF.js's wasm backend on every core too, where the page is isolated (its threaded build).
      expect(impls).toContain(`tfjs wasm×${cores} (threaded build)`);
      expect(impls).toContain('tfjs cpu');
      expect(impls.some((i) => i.startsWith('tfjs webgl'))).toBe(true);
    }
    for (const r of bench.rows) {
      if (r.ms === null) expect(r.note, `${r.workload} · ${r.impl}`).toMatch(/^cannot: \S/);
      else {
        expect(r.ms, `${r.workload} · ${r.impl}`).toBeGreaterThan(0);
        expect(r.runs).toBeGreaterThanOrEqual(1);
        if (r.scale === null) expect(Number.isFinite(r.maxDiff), `${r.workload} · ${r.impl}`).toBe(true);
      }
    }
    // Every Torchlet kernel ran everything, and every result that was timed agreed with the reference.
    expect(bench.rows.filter((r) => r.torchlet && r.ms === null)).toEqual([]);
    expect(bench.disagreements).toEqual([]);
    expect(bench.text.split('\n').length).toBeGreaterThan(bench.rows.length);
    expect(await page.locator('#table tr').count()).toBe(bench.rows.length + 1);
    await page.screenshot({ path: join(artifacts, 'browser-bench.png'), fullPage: true });
    await page.close();
  });
});
