/**
 * The page side of the demo: starts the training worker, shows what it reports, and keeps a
 * record in `window.demo` (losses, accuracies, frames drawn) that the end-to-end test reads.
 * It imports no Torchlet code itself: all the work happens in the worker.
 */
import type { FromWorker, ToWorker, TrainSettings } from './protocol.js';

export interface DemoState {
  settings: TrainSettings;
  losses: number[];
  /** Test accuracy every `evalEvery` batches, with the frames drawn by the time it arrived. */
  accuracies: { step: number; accuracy: number; frames: number }[];
  /** Animation frames the page drew while training ran: it grows only if the main thread is free. */
  frames: number;
  pictures: number;
  done: boolean;
  error: string | null;
}

const params = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => {
  const v = Number(params.get(name));
  return params.has(name) && Number.isFinite(v) && v > 0 ? v : fallback;
};
const settings: TrainSettings = {
  epochs: num('epochs', 3),
  batchSize: num('batch', 32),
  lr: num('lr', 0.002),
  seed: params.has('seed') ? Number(params.get('seed')) : 0,
  evalEvery: num('evalEvery', 25),
};
const state: DemoState = { settings, losses: [], accuracies: [], frames: 0, pictures: 0, done: false, error: null };
(window as unknown as { demo: DemoState }).demo = state;

const $ = (id: string) => document.getElementById(id)!;
const status = $('status');
const stop = $('stop') as HTMLButtonElement;

function draw(canvasId: string, img: { width: number; height: number; data: Uint8ClampedArray }): void {
  const canvas = $(canvasId) as HTMLCanvasElement;
  if (canvas.width !== img.width || canvas.height !== img.height)
    [canvas.width, canvas.height] = [img.width, img.height];
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
}

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready':
      $('model').textContent = `${m.model}, ${m.parameters.toLocaleString('en-US')} parameters`;
      status.textContent = `training on ${m.train.toLocaleString('en-US')} digits, testing on ${m.test.toLocaleString('en-US')}…`;
      stop.disabled = false;
      break;
    case 'batch':
      state.losses.push(m.loss);
      $('epoch').textContent = `${m.epoch} / ${settings.epochs}`;
      $('step').textContent = `${m.step} / ${m.totalSteps}`;
      $('loss').textContent = m.loss.toFixed(4);
      $('speed').textContent = m.imagesPerSecond.toFixed(0);
      break;
    case 'eval':
      state.accuracies.push({ step: m.step, accuracy: m.accuracy, frames: state.frames });
      $('accuracy').textContent = `${(100 * m.accuracy).toFixed(1)} %`;
      break;
    case 'pictures':
      state.pictures++;
      draw('curves', m.curves);
      draw('filters', m.filters);
      break;
    case 'done':
      state.done = true;
      stop.disabled = true;
      $('accuracy').textContent = `${(100 * m.accuracy).toFixed(1)} %`;
      status.textContent = `${m.stopped ? 'stopped' : 'done'}: test accuracy ${(100 * m.accuracy).toFixed(1)} % after ${m.seconds.toFixed(1)} s`;
      break;
    case 'error':
      state.error = m.message;
      status.textContent = `error: ${m.message}`;
      status.className = 'error';
      break;
  }
};
worker.onerror = (e) => {
  state.error = e.message || 'the worker failed to start';
  status.textContent = `error: ${state.error}`;
  status.className = 'error';
};
stop.onclick = () => worker.postMessage({ type: 'stop' } satisfies ToWorker);
worker.postMessage({ type: 'start', settings } satisfies ToWorker);

const tick = () => {
  if (!state.done) state.frames++;
  $('frames').textContent = String(state.frames);
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
