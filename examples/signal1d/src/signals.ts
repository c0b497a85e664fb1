import { Generator, Tensor } from '@torchlet/tensor';

export const CLASSES = ['sine', 'square', 'sawtooth', 'noise'] as const;

/**
 * `count` random signals of `length` samples, balanced over the four classes. Each periodic signal
 * has a random frequency (2–8 cycles per window), phase and amplitude, plus Gaussian noise, so the
 * classifier must learn shape rather than a fixed template.
 * @returns `signals [count, 1, length]` float32 and `labels [count]` int32 (index into CLASSES)
 */
export function makeSignals(count: number, length: number, generator: Generator): { signals: Tensor; labels: Tensor } {
  const x = new Float32Array(count * length);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % CLASSES.length;
    y[i] = label;
    const cycles = 2 + 6 * generator.next();
    const phase = generator.next();
    const amplitude = 0.5 + generator.next();
    for (let t = 0; t < length; t++) {
      const p = (cycles * t) / length + phase;
      const frac = p - Math.floor(p);
      let v: number;
      switch (label) {
        case 0:
          v = Math.sin(2 * Math.PI * p);
          break;
        case 1:
          v = frac < 0.5 ? 1 : -1;
          break;
        case 2:
          v = 2 * frac - 1;
          break;
        default:
          v = generator.nextNormal();
      }
      x[i * length + t] = amplitude * v + 0.2 * generator.nextNormal();
    }
  }
  return { signals: new Tensor(x, [count, 1, length]), labels: new Tensor(y, [count]) };
}
