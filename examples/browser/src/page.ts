/**
 * The page side of the demo: starts the training worker, shows what it reports, lets the visitor
 * train again with another model and draw digits for the network to read, and keeps a record in
 * `window.demo` (runtime, losses, accuracies, frames drawn, classifications) that the end-to-end
 * test reads. It imports no Torchlet code itself: all the work happens in the worker.
 */
import { DrawPad } from './draw-pad.js';
import { MODELS, modelChoice, type ModelName } from './models.js';
import type { FromWorker, Runtime, ToWorker, TrainSettings } from './protocol.js';

export interface Classification {
  id: number;
  probabilities: number[];
  predicted: number;
  /** Feature-map pictures shown (one per convolution layer). */
  featureMaps: number;
}

export interface DemoState {
  settings: TrainSettings;
  /** Where the worker trains: backend, threads, isolation (null until the worker reports). */
  runtime: Runtime | null;
  /** Runs started so far (the current one last): its model and, once finished, its accuracy. */
  runs: { model: ModelName; done: boolean; stopped: boolean; accuracy: number | null; steps: number }[];
  /** Losses of the current run, one per batch. */
  losses: number[];
  /** Test accuracy every `evalEvery` batches, with the frames drawn by the time it arrived. */
  accuracies: { step: number; accuracy: number; frames: number }[];
  /** Animation frames the page drew while training ran: it grows only if the main thread is free. */
  frames: number;
  pictures: number;
  done: boolean;
  error: string | null;
  /** The drawing pad's latest answer from the network, and how many answers came. */
  classified: Classification | null;
  classifications: number;
}

const params = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => {
  const v = Number(params.get(name));
  return params.has(name) && Number.isFinite(v) && v > 0 ? v : fallback;
};
const settings: TrainSettings = {
  model: modelChoice(params.get('model') ?? 'small').name,
  epochs: num('epochs', 3),
  batchSize: num('batch', 32),
  lr: num('lr', 0.002),
  seed: params.has('seed') ? Number(params.get('seed')) : 0,
  evalEvery: num('evalEvery', 25),
};
const state: DemoState = {
  settings,
  runtime: null,
  runs: [],
  losses: [],
  accuracies: [],
  frames: 0,
  pictures: 0,
  done: false,
  error: null,
  classified: null,
  classifications: 0,
};
(window as unknown as { demo: DemoState }).demo = state;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const stop = $<HTMLButtonElement>('stop');
const trainAgain = $<HTMLButtonElement>('train');
const modelMenu = $<HTMLSelectElement>('model-choice');
const epochsMenu = $<HTMLSelectElement>('epochs-choice');

function draw(canvas: HTMLCanvasElement, img: { width: number; height: number; data: Uint8ClampedArray }): void {
  if (canvas.width !== img.width || canvas.height !== img.height)
    [canvas.width, canvas.height] = [img.width, img.height];
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
}

function showError(message: string): void {
  state.error = message;
  status.textContent = `error: ${message}`;
  status.className = 'error';
}

function showRuntime(r: Runtime): void {
  const { backend, threads, cores } = r.backend;
  const where = r.crossOriginIsolated
    ? 'cross-origin isolated'
    : 'not cross-origin isolated, so one thread (the server sends no COOP/COEP headers)';
  $('backend').textContent = `${backend} × ${threads} thread${threads === 1 ? '' : 's'} (${cores} cores; ${where})`;
}

for (const m of MODELS) modelMenu.add(new Option(m.label, m.name, false, m.name === settings.model));
const epochOptions = Array.from(epochsMenu.options);
for (const option of epochOptions) option.selected = Number(option.value) === settings.epochs;
if (!epochOptions.some((o) => o.selected))
  epochsMenu.add(new Option(String(settings.epochs), String(settings.epochs), true, true));

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);
let run = -1;

function start(): void {
  run++;
  settings.model = modelChoice(modelMenu.value).name;
  settings.epochs = Number(epochsMenu.value);
  Object.assign(state, { losses: [], accuracies: [], done: false, error: null });
  state.runs.push({ model: settings.model, done: false, stopped: false, accuracy: null, steps: 0 });
  status.className = '';
  status.textContent = run === 0 ? 'loading the digits…' : 'starting again…';
  for (const id of ['epoch', 'step', 'loss', 'accuracy', 'speed']) $(id).textContent = '–';
  stop.disabled = false;
  send({ type: 'start', run, settings: { ...settings } });
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  if ('run' in m && m.run !== run) return; // a replaced run's last messages
  const current = state.runs[state.runs.length - 1];
  switch (m.type) {
    case 'runtime':
      state.runtime = m.runtime;
      showRuntime(m.runtime);
      break;
    case 'ready':
      $('model').textContent = `${m.model}, ${m.parameters.toLocaleString('en-US')} parameters`;
      status.textContent = `training on ${m.train.toLocaleString('en-US')} digits, testing on ${m.test.toLocaleString('en-US')}…`;
      break;
    case 'batch':
      state.losses.push(m.loss);
      if (current) current.steps = m.step;
      $('epoch').textContent = `${m.epoch} / ${settings.epochs}`;
      $('step').textContent = `${m.step} / ${m.totalSteps}`;
      $('loss').textContent = m.loss.toFixed(4);
      $('speed').textContent = m.imagesPerSecond.toFixed(0);
      break;
    case 'eval':
      state.accuracies.push({ step: m.step, accuracy: m.accuracy, frames: state.frames });
      $('accuracy').textContent = `${(100 * m.accuracy).toFixed(1)} %`;
      if (!pad.blank) askNetwork();
      break;
    case 'pictures':
      state.pictures++;
      draw($('curves'), m.curves);
      draw($('filters'), m.filters);
      break;
    case 'done':
      state.done = true;
      if (current) Object.assign(current, { done: true, stopped: m.stopped, accuracy: m.accuracy });
      stop.disabled = true;
      $('accuracy').textContent = `${(100 * m.accuracy).toFixed(1)} %`;
      status.textContent = `${m.stopped ? 'stopped' : 'done'}: test accuracy ${(100 * m.accuracy).toFixed(1)} % after ${m.seconds.toFixed(1)} s. Draw a digit, or train again.`;
      if (!pad.blank) askNetwork();
      break;
    case 'classified':
      answered(m.id, m.probabilities, m.featureMaps);
      break;
    case 'sample':
      pad.show(m.pixels);
      $('sample-label').textContent = `test digit #${m.index}, labelled ${m.label}`;
      askNetwork();
      break;
    case 'error':
      showError(m.message);
      break;
  }
};
worker.onerror = (e) => showError(e.message || 'the worker failed to start');

// The drawing pad: one question to the network at a time; strokes made meanwhile are asked about next.
let asked = 0;
let waiting = false;
let dirty = false;
const pad = new DrawPad($('pad'), () => askNetwork());
function askNetwork(): void {
  if (waiting) {
    dirty = true;
    return;
  }
  waiting = true;
  dirty = false;
  const pixels = pad.pixels();
  drawPreview(pixels);
  send({ type: 'classify', id: ++asked, pixels }, [pixels.buffer]);
}

function drawPreview(pixels: Uint8Array): void {
  const img = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) img.data.set([pixels[i]!, pixels[i]!, pixels[i]!, 255], i * 4);
  $<HTMLCanvasElement>('preview').getContext('2d')!.putImageData(img, 0, 0);
}

const bars = $('probabilities');
for (let d = 0; d < 10; d++) {
  const row = document.createElement('div');
  row.className = 'bar';
  row.innerHTML = `<span>${d}</span><meter min="0" max="1" value="0" aria-label="probability of ${d}"></meter><output>–</output>`;
  bars.append(row);
}

function answered(
  id: number,
  probabilities: number[] | null,
  maps: Extract<FromWorker, { type: 'classified' }>['featureMaps'],
): void {
  waiting = false;
  if (probabilities === null) {
    $('prediction').textContent = 'no network yet';
  } else {
    const predicted = probabilities.indexOf(Math.max(...probabilities));
    state.classified = { id, probabilities, predicted, featureMaps: maps.length };
    state.classifications++;
    $('prediction').textContent = `${predicted} (${(100 * probabilities[predicted]!).toFixed(0)} %)`;
    bars.querySelectorAll('.bar').forEach((row, d) => {
      row.classList.toggle('top', d === predicted);
      row.querySelector('meter')!.value = probabilities[d]!;
      row.querySelector('output')!.textContent = `${(100 * probabilities[d]!).toFixed(1)} %`;
    });
    const holder = $('feature-maps');
    while (holder.children.length > maps.length) holder.lastElementChild!.remove();
    maps.forEach((img, i) => {
      let canvas = holder.children[i] as HTMLCanvasElement | undefined;
      if (!canvas) {
        canvas = document.createElement('canvas');
        canvas.setAttribute('aria-label', `feature maps of convolution layer ${i + 1}`);
        holder.append(canvas);
      }
      draw(canvas, img);
    });
  }
  if (dirty) askNetwork();
}

$('clear').onclick = () => {
  pad.clear();
  $('sample-label').textContent = '';
  $('prediction').textContent = '–';
  bars.querySelectorAll('.bar').forEach((row) => {
    row.classList.remove('top');
    row.querySelector('meter')!.value = 0;
    row.querySelector('output')!.textContent = '–';
  });
};
let sampleIndex = 0;
$('sample').onclick = () => send({ type: 'sample', index: sampleIndex++ });
stop.onclick = () => send({ type: 'stop' });
trainAgain.onclick = () => start();
start();

const tick = () => {
  if (!state.done) state.frames++;
  $('frames').textContent = String(state.frames);
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
