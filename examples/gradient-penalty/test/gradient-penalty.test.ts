import { describe, expect, it } from 'vitest';
import { hessianVectorProduct, train } from '../src/penalty.js';

describe('the gradient-penalty example', () => {
  it('the penalty shrinks the input gradient that plain training leaves', () => {
    const plain = train(0, 40);
    const penalised = train(1, 40);
    expect(penalised.penalty).toBeLessThan(plain.penalty / 2);
    expect(Number.isFinite(penalised.ce)).toBe(true);
  });

  it('its Hessian-vector product equals the central difference of gradients', () => {
    const { hv, finiteDifference } = hessianVectorProduct();
    const scale = Math.max(...Array.from(finiteDifference, Math.abs));
    expect(scale).toBeGreaterThan(0);
    hv.forEach((h, k) => expect(Math.abs(h - finiteDifference[k]!)).toBeLessThan(1e-6 * Math.max(1, scale)));
  });
});
