import {
  checkOptions,
  optionKeys,
  checkInt,
  contiguousData,
  describeValue,
  formatShape,
  Generator,
  Tensor,
  typeError,
  type GeneratorState,
} from '@torchlet/tensor';
import type { SafetensorsMetadata, TensorMap } from '../io/safetensors.js';
import { Module, type StateDict } from '../nn/modules/module.js';
import {
  Optimizer,
  optimizerLayout,
  type BaseOptions,
  type OptimizerStateDict,
  type ParamState,
} from '../optim/optimizer.js';
import { LRScheduler, type SchedulerStateDict } from '../optim/lr-scheduler.js';
import { ReduceLROnPlateau, type PlateauStateDict } from '../optim/reduce-lr-on-plateau.js';

/** What a training state may hold as its scheduler: an epoch-driven one or a metric-driven one. */
export type AnyScheduler = LRScheduler | ReduceLROnPlateau;

/**
 * Everything a training run needs to continue exactly where it stopped, as tensors plus JSON: the
 * model's parameters and buffers and the optimizer's state buffers as tensors (bit-exact, any
 * size); hyper-parameters, scheduler counters, generator states, epoch, step and `extra` as JSON
 * in the safetensors metadata. A CRC-32 over both guards against a damaged file being taken for a
 * good one. `saveTrainingCheckpoint` / `loadTrainingCheckpoint` (the `./node` subpath) put it on disk.
 */

/** A training checkpoint that is not one, is damaged, or does not fit the objects it is loaded into. */
export class CheckpointError extends RangeError {
  override name = 'CheckpointError';
}

export interface TrainingState {
  model: Module;
  optimizer: Optimizer<BaseOptions>;
  scheduler?: AnyScheduler | null;
  /**
   * Every generator the run draws from, by name (`{ shuffle, dropout }`): their states are saved
   * and restored, so a resumed run draws the same numbers as an uninterrupted one.
   */
  generators?: Record<string, Generator>;
  /** Epochs completed, or the epoch in progress: the caller's convention, returned as saved. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** Any JSON-able value (best accuracy, the loss history, ...), returned as saved. */
  extra?: unknown;
}

/** What `restoreTrainingState` loads into. */
export interface TrainingTargets {
  model: Module;
  optimizer: Optimizer<BaseOptions>;
  scheduler?: AnyScheduler | null;
  /** Generators to restore, by the names they were saved under; each name must be in the checkpoint. */
  generators?: Record<string, Generator>;
}

const STATE_KEYS = optionKeys<TrainingState>({
  model: true,
  optimizer: true,
  scheduler: true,
  generators: true,
  epoch: true,
  step: true,
  extra: true,
});
const TARGET_KEYS = optionKeys<TrainingTargets>({ model: true, optimizer: true, scheduler: true, generators: true });

export interface RestoredTraining {
  epoch: number;
  step: number;
  extra: unknown;
}

const FORMAT = 'torchlet.training';
const VERSION = 1;
const META_KEY = 'torchlet.training';
const CRC_KEY = 'torchlet.training.crc32';
const MODEL = 'model.';
const OPTIM = 'optimizer.';

interface TensorRef {
  tensor: string;
}

interface Body {
  format: string;
  version: number;
  epoch: number;
  step: number;
  model: string[];
  optimizer: {
    type: string;
    paramGroups: OptimizerStateDict['paramGroups'];
    state: Record<string, Record<string, number | TensorRef>>;
  };
  scheduler: { type: string; state: SchedulerStateDict | PlateauStateDict } | null;
  generators: Record<string, GeneratorState>;
  extra: unknown;
}

/**
 * The tensors and metadata of a training checkpoint (what `saveTrainingCheckpoint` writes).
 * Tensors are shared with the model and optimizer, not copied: encode them before training on.
 * @throws TypeError naming the field that is missing or of the wrong kind
 */
export function captureTrainingState(state: TrainingState): { tensors: TensorMap; metadata: SafetensorsMetadata } {
  const op = 'captureTrainingState';
  if (state === null || typeof state !== 'object')
    throw typeError(op, `state must be an object { model, optimizer, epoch, step, ... }, got ${String(state)}`);
  checkOptions(op, state, STATE_KEYS, 'state');
  const { model, optimizer } = state;
  const scheduler = state.scheduler ?? null;
  checkTargets(op, model, optimizer, scheduler, state.generators);
  checkInt(op, state.epoch, 'epoch', 0);
  checkInt(op, state.step, 'step', 0);
  let extra: unknown = null;
  if (state.extra !== undefined) {
    try {
      extra = JSON.parse(JSON.stringify(state.extra) ?? 'null');
    } catch (e) {
      throw typeError(op, `extra must be JSON-serializable (${(e as Error).message})`);
    }
  }

  const tensors: TensorMap = Object.create(null) as TensorMap;
  const modelState = model.stateDict();
  for (const [name, t] of Object.entries(modelState)) tensors[MODEL + name] = t;

  // The optimizer's state with its buffers kept as tensors, named in the file, instead of number arrays.
  const { state: optimState, paramGroups } = optimizerLayout(optimizer, (value, index, key): number | TensorRef => {
    if (!(value instanceof Tensor)) return value;
    const name = `${OPTIM}state.${index}.${key}`;
    tensors[name] = value;
    return { tensor: name };
  });

  const generators: Record<string, GeneratorState> = {};
  for (const [name, g] of Object.entries(state.generators ?? {})) generators[name] = g.getState();

  const body: Body = {
    format: FORMAT,
    version: VERSION,
    epoch: state.epoch,
    step: state.step,
    model: Object.keys(modelState),
    optimizer: { type: optimizer.constructor.name, paramGroups, state: optimState },
    scheduler: scheduler ? { type: scheduler.constructor.name, state: scheduler.stateDict() } : null,
    generators,
    extra,
  };
  const json = JSON.stringify(body);
  return { tensors, metadata: { [META_KEY]: json, [CRC_KEY]: checksum(tensors, json) } };
}

/**
 * Loads a checkpoint made by `captureTrainingState` into a model, optimizer, scheduler and
 * generators built as in the run that saved it. Everything is checked before anything changes,
 * and if a load still fails midway the targets are put back as they were.
 * @returns the saved epoch, step and extra
 * @throws CheckpointError if the metadata is missing, damaged (checksum), of another version, or
 *   names a scheduler, optimizer or generator that differs from the targets; the model's and
 *   optimizer's own errors (StateDictError, ShapeError) when their state does not fit
 */
export function restoreTrainingState(
  tensors: TensorMap,
  metadata: SafetensorsMetadata | null,
  targets: TrainingTargets,
): RestoredTraining {
  const op = 'restoreTrainingState';
  if (targets === null || typeof targets !== 'object')
    throw typeError(op, `targets must be an object { model, optimizer, ... }, got ${String(targets)}`);
  checkOptions(op, targets, TARGET_KEYS, 'targets');
  const { model, optimizer } = targets;
  const scheduler = targets.scheduler ?? null;
  checkTargets(op, model, optimizer, scheduler, targets.generators);
  const json = metadata?.[META_KEY];
  const crc = metadata?.[CRC_KEY];
  if (typeof json !== 'string' || typeof crc !== 'string')
    throw new CheckpointError(`${op}: not a training checkpoint (no '${META_KEY}' metadata)`);
  const actual = checksum(tensors, json);
  if (actual !== crc)
    throw new CheckpointError(`${op}: checksum mismatch (stored ${crc}, computed ${actual}); the file is damaged`);
  const body = parseBody(op, json);

  const modelState: StateDict = {};
  for (const name of body.model) {
    const t = tensors[MODEL + name];
    if (!(t instanceof Tensor)) throw new CheckpointError(`${op}: model tensor '${name}' is listed but missing`);
    modelState[name] = t;
  }
  if (body.optimizer.type !== optimizer.constructor.name) {
    throw new CheckpointError(
      `${op}: the checkpoint holds ${body.optimizer.type} state but the optimizer is ${optimizer.constructor.name}`,
    );
  }
  const optimState: OptimizerStateDict['state'] = {};
  for (const [index, entry] of Object.entries(body.optimizer.state)) {
    const s: ParamState = {};
    for (const [key, value] of Object.entries(entry)) {
      if (typeof value === 'number') s[key] = value;
      else {
        const t = tensors[value.tensor];
        if (!(t instanceof Tensor))
          throw new CheckpointError(`${op}: optimizer tensor '${value.tensor}' is listed but missing`);
        s[key] = t;
      }
    }
    optimState[index] = s as Record<string, number>;
  }
  if ((body.scheduler === null) !== (scheduler === null)) {
    throw new CheckpointError(
      `${op}: the checkpoint has ${body.scheduler ? `a ${body.scheduler.type}` : 'no scheduler'} but ${scheduler ? `a ${scheduler.constructor.name} was` : 'none was'} given to load into`,
    );
  }
  if (body.scheduler && scheduler && body.scheduler.type !== scheduler.constructor.name) {
    throw new CheckpointError(
      `${op}: the checkpoint holds ${body.scheduler.type} state but the scheduler is ${scheduler.constructor.name}`,
    );
  }
  const generators = Object.entries(targets.generators ?? {});
  for (const [name] of generators) {
    if (!Object.hasOwn(body.generators, name)) {
      throw new CheckpointError(
        `${op}: generator '${name}' is not in the checkpoint (it has: ${Object.keys(body.generators).join(', ') || 'none'})`,
      );
    }
    checkGeneratorState(op, name, body.generators[name]);
  }

  // Snapshots to roll back to if a load fails after an earlier one succeeded.
  const modelBefore = cloneStateDict(model.stateDict());
  const optimizerBefore = snapshotOptimizer(optimizer);
  const schedulerBefore = scheduler?.stateDict() ?? null;
  const generatorsBefore = generators.map(([, g]) => g.getState());
  try {
    model.loadStateDict(modelState);
    optimizer.loadStateDict({ state: optimState, paramGroups: body.optimizer.paramGroups });
    if (scheduler && body.scheduler) loadScheduler(scheduler, body.scheduler.state);
    for (const [name, g] of generators) g.setState(body.generators[name]!);
  } catch (e) {
    model.loadStateDict(modelBefore);
    optimizer.loadStateDict(optimizerBefore);
    if (scheduler && schedulerBefore) loadScheduler(scheduler, schedulerBefore);
    generators.forEach(([, g], i) => g.setState(generatorsBefore[i]!));
    throw e;
  }
  return { epoch: body.epoch, step: body.step, extra: body.extra };
}

/** The type check in restoreTrainingState matched the saved state's type to the scheduler's class. */
function loadScheduler(scheduler: AnyScheduler, state: SchedulerStateDict | PlateauStateDict): void {
  if (scheduler instanceof ReduceLROnPlateau) scheduler.loadStateDict(state as PlateauStateDict);
  else scheduler.loadStateDict(state as SchedulerStateDict);
}

function checkTargets(op: string, model: unknown, optimizer: unknown, scheduler: unknown, generators: unknown): void {
  if (!(model instanceof Module)) throw typeError(op, `model must be a Module, got ${describeValue(model)}`);
  if (!(optimizer instanceof Optimizer))
    throw typeError(op, `optimizer must be an Optimizer, got ${describeValue(optimizer)}`);
  if (scheduler !== null && !(scheduler instanceof LRScheduler) && !(scheduler instanceof ReduceLROnPlateau))
    throw typeError(
      op,
      `scheduler must be an LRScheduler, a ReduceLROnPlateau or null, got ${describeValue(scheduler)}`,
    );
  if (scheduler !== null && (scheduler as AnyScheduler).optimizer !== optimizer)
    throw typeError(op, 'scheduler must be attached to the optimizer given');
  if (generators === undefined) return;
  if (generators === null || typeof generators !== 'object' || Array.isArray(generators)) {
    throw typeError(op, `generators must be an object of named Generators, got ${describeValue(generators)}`);
  }
  for (const [name, g] of Object.entries(generators)) {
    if (!(g instanceof Generator))
      throw typeError(op, `generators.${name} must be a Generator, got ${describeValue(g)}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses the JSON body and checks its structure, so nothing below trusts the file. */
function parseBody(op: string, json: string): Body {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (e) {
    throw new CheckpointError(`${op}: metadata is not valid JSON (${(e as Error).message})`);
  }
  const bad = (what: string) => new CheckpointError(`${op}: malformed checkpoint: ${what}`);
  if (!isObject(body) || body.format !== FORMAT) throw bad(`format must be '${FORMAT}'`);
  if (body.version !== VERSION)
    throw new CheckpointError(
      `${op}: checkpoint version ${String(body.version)} is not supported (expected ${VERSION})`,
    );
  for (const key of ['epoch', 'step'] as const) {
    if (!Number.isSafeInteger(body[key]) || (body[key] as number) < 0) throw bad(`${key} must be an integer >= 0`);
  }
  if (!Array.isArray(body.model) || !body.model.every((n) => typeof n === 'string'))
    throw bad('model must list tensor names');
  const o = body.optimizer;
  if (!isObject(o) || typeof o.type !== 'string' || !Array.isArray(o.paramGroups) || !isObject(o.state)) {
    throw bad('optimizer must be { type, paramGroups, state }');
  }
  // Hyper-parameters are numbers, booleans, strings or flat lists of them (betas); anything deeper
  // is no optimizer's and would only make the copies below recurse.
  const flat = (v: unknown) => v === null || ['number', 'boolean', 'string'].includes(typeof v);
  o.paramGroups.forEach((group, i) => {
    if (!isObject(group)) throw bad(`optimizer parameter group ${i} must be an object`);
    for (const [key, value] of Object.entries(group)) {
      if (key === 'params') {
        if (!Array.isArray(value) || !value.every((p) => Number.isSafeInteger(p) && p >= 0))
          throw bad(`optimizer parameter group ${i} params must list parameter indices`);
      } else if (!flat(value) && !(Array.isArray(value) && value.every(flat))) {
        throw bad(
          `optimizer parameter group ${i} option ${key} must be a number, boolean, string or a flat list of them`,
        );
      }
    }
  });
  for (const [index, entry] of Object.entries(o.state)) {
    if (!isObject(entry)) throw bad(`optimizer state ${index} must be an object`);
    for (const [key, value] of Object.entries(entry)) {
      if (typeof value !== 'number' && !(isObject(value) && typeof value.tensor === 'string')) {
        throw bad(`optimizer state ${index}.${key} must be a number or { tensor }`);
      }
    }
  }
  const s = body.scheduler;
  if (s !== null && !(isObject(s) && typeof s.type === 'string' && isObject(s.state)))
    throw bad('scheduler must be null or { type, state }');
  if (!isObject(body.generators)) throw bad('generators must be an object');
  return body as unknown as Body;
}

/** A generator state from a file: the shape `Generator.getState` produces (xor4096: 128 words, i, w). */
function checkGeneratorState(op: string, name: string, state: unknown): void {
  const prng = isObject(state) ? state.prng : null;
  const ok =
    isObject(state) &&
    typeof state.seed === 'number' &&
    (state.spareNormal === null || typeof state.spareNormal === 'number') &&
    isObject(prng) &&
    Array.isArray(prng.X) &&
    prng.X.length === 128 &&
    prng.X.every((v) => Number.isInteger(v)) &&
    Number.isInteger(prng.i) &&
    Number.isInteger(prng.w);
  if (!ok) throw new CheckpointError(`${op}: generator '${name}' has a malformed state`);
}

/**
 * The optimizer's state as `loadStateDict` takes it, with cloned tensors in place of the number
 * arrays `stateDict()` would build (a copy of typed arrays, not millions of boxed numbers).
 */
function snapshotOptimizer(optimizer: Optimizer<BaseOptions>): OptimizerStateDict {
  const { state, paramGroups } = optimizerLayout(optimizer, (value) =>
    value instanceof Tensor ? new Tensor(value.toTypedArray(), value.shape) : value,
  );
  return { state: state as OptimizerStateDict['state'], paramGroups };
}

function cloneStateDict(sd: StateDict): StateDict {
  const out: StateDict = {};
  for (const [k, t] of Object.entries(sd)) out[k] = new Tensor(t.toTypedArray(), t.shape);
  return out;
}

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE, as zlib) over every tensor's name, dtype, shape and little-endian bytes, in name
// order, then the metadata JSON: any flipped bit in the data region or the header changes it.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function crcUpdate(crc: number, bytes: Uint8Array): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

function littleEndianBytes(t: Tensor): Uint8Array {
  const values = contiguousData(t);
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  const size = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < values.length; i++) {
    if (t.dtype === 'float32') view.setFloat32(i * size, values[i]!, true);
    else if (t.dtype === 'float64') view.setFloat64(i * size, values[i]!, true);
    else view.setInt32(i * size, values[i]!, true);
  }
  return out;
}

function checksum(tensors: TensorMap, json: string): string {
  const encoder = new TextEncoder();
  let crc = 0xffffffff;
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name]!;
    crc = crcUpdate(crc, encoder.encode(`${name}\0${t.dtype}\0${formatShape(t.shape)}\0`));
    crc = crcUpdate(crc, littleEndianBytes(t));
  }
  crc = crcUpdate(crc, encoder.encode(json));
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
