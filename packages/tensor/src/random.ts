import seedrandom from 'seedrandom';
import { typeError } from './errors.js';

/**
 * xor4096's internal words, as seedrandom saves them. Spelled out here rather than taken from
 * `@types/seedrandom`, so the package's declarations need no type package in a user's project.
 */
export interface Xor4096State {
  readonly i: number;
  readonly w: number;
  readonly X: number[];
}

/** Serializable generator state: the seed it started from and the PRNG's internal words. */
export interface GeneratorState {
  readonly seed: number;
  readonly prng: Xor4096State;
  readonly spareNormal: number | null;
}

type StatefulPrng = seedrandom.StatefulPRNG<seedrandom.State.Xor4096>;

/**
 * A seeded source of random numbers (seedrandom's xor4096 underneath: fast, long period, and its
 * state can be saved and restored). Same seed → same numbers, bit for bit, on every platform.
 * Every random function in Torchlet takes one of these; `manualSeed(n)` resets the default one.
 */
export class Generator {
  private prng: StatefulPrng;
  private seedValue: number;
  // Box–Muller yields normals in pairs; the second is kept for the next call.
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    if (typeof seed !== 'number' || !Number.isFinite(seed))
      throw typeError('Generator', `seed must be a finite number, got ${String(seed)}`);
    this.seedValue = seed;
    this.prng = seedrandom.xor4096(String(seed), { state: true }) as StatefulPrng;
  }

  get seed(): number {
    return this.seedValue;
  }

  /** Uniform in [0, 1), 53 bits of randomness. */
  next(): number {
    return this.prng.double();
  }

  /** Standard normal N(0, 1). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.next(); // log(0) would be -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer uniform in [low, high). */
  nextInt(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low));
  }

  /** Restarts the sequence from `seed`. */
  manualSeed(seed: number): this {
    if (typeof seed !== 'number' || !Number.isFinite(seed))
      throw typeError('manualSeed', `seed must be a finite number, got ${String(seed)}`);
    this.seedValue = seed;
    this.prng = seedrandom.xor4096(String(seed), { state: true }) as StatefulPrng;
    this.spareNormal = null;
    return this;
  }

  /** A snapshot that `setState` restores exactly (JSON-safe, for checkpoints). */
  getState(): GeneratorState {
    return { seed: this.seedValue, prng: structuredClone(this.prng.state()), spareNormal: this.spareNormal };
  }

  setState(state: GeneratorState): this {
    if (!state || typeof state !== 'object' || typeof state.seed !== 'number' || !state.prng) {
      throw typeError('Generator.setState', 'state must come from Generator.getState()');
    }
    this.seedValue = state.seed;
    this.prng = seedrandom.xor4096('', { state: structuredClone(state.prng) }) as StatefulPrng;
    this.spareNormal = state.spareNormal;
    return this;
  }
}

let defaultGen = new Generator(0);

/** The generator random functions use when none is passed. */
export function defaultGenerator(): Generator {
  return defaultGen;
}

/** Seeds the default generator (like `torch.manual_seed`) and returns it. */
export function manualSeed(seed: number): Generator {
  defaultGen.manualSeed(seed);
  return defaultGen;
}

/** Replaces the default generator, e.g. to restore one from a checkpoint. */
export function setDefaultGenerator(g: Generator): void {
  defaultGen = g;
}
