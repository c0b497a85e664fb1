import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoState } from '../src/page.js';

const CHROMIUM = '/usr/bin/chromium';
const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Git-ignored (`/artifacts/`): the screenshot is kept for a person to look at. */
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

describe.skipIf(!haveChromium)('browser demo in headless Chromium', () => {
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
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  it('trains in a worker: the loss falls, the test accuracy climbs, the page keeps drawing frames; saves a screenshot', async () => {
    const page: Page = await browser!.newPage({ viewport: { width: 1280, height: 820 } });
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${url}?epochs=1&evalEvery=40`);
    await page.waitForFunction(
      () => {
        const demo = (window as unknown as { demo?: DemoState }).demo;
        return demo !== undefined && (demo.done || demo.error !== null);
      },
      undefined,
      { timeout: 240_000, polling: 250 }, // under the suite's 300 s test timeout
    );
    const demo = await page.evaluate(() => (window as unknown as { demo: DemoState }).demo);
    expect(demo.error).toBeNull();
    expect(consoleErrors).toEqual([]);

    // One epoch over 5,000 digits in batches of 32.
    expect(demo.losses).toHaveLength(157);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(demo.losses.slice(0, 10));
    const last = mean(demo.losses.slice(-20));
    expect(first).toBeGreaterThan(1.8); // ≈ ln 10 = 2.30 before learning
    expect(last).toBeLessThan(0.7);
    const accuracies = demo.accuracies.map((a) => a.accuracy);
    expect(accuracies.length).toBeGreaterThanOrEqual(4); // every 40 batches and at the epoch's end
    expect(accuracies[accuracies.length - 1]!).toBeGreaterThan(0.8);
    expect(accuracies[accuracies.length - 1]!).toBeGreaterThan(accuracies[0]!);
    // The main thread stayed free while the worker trained: it drew animation frames throughout, at
    // least one between any two evaluations (40 batches apart). Counted per stretch of training, not
    // per second, so that a loaded machine, which slows training and drawing alike, cannot fail it.
    const framesAtEvals = demo.accuracies.map((a) => a.frames);
    for (let i = 1; i < framesAtEvals.length; i++) expect(framesAtEvals[i]!).toBeGreaterThan(framesAtEvals[i - 1]!);
    expect(demo.pictures).toBeGreaterThan(10);

    // The canvases hold pictures: the filters vary in brightness, the chart has coloured lines.
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

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'browser-demo.png'), fullPage: true });
    expect(existsSync(join(artifacts, 'browser-demo.png'))).toBe(true);
    await page.close();
  });
});
