import { afterEach, describe, expect, it } from 'vitest';
import {
  convAdjointInto,
  convForwardInto,
  convGeometry,
  convPlan,
  convWeightGradInto,
  getBackend,
  jsGemm,
  setGemm,
  type Backend,
} from '@torchlet/tensor/kernels';

// The conv engine asks the backend for its conv capability and runs what it declines by the generic
// path: a capability sees the plan and the caller's own buffers, and the samples it reports as run
// are not run again.
afterEach(() => {
  setGemm(jsGemm);
});

const plan = convPlan(3, 1, 2, 4, convGeometry('conv', { channels: 2, inputSize: [5, 5], kernelSize: [3, 3] }));
const ramp = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * scale));
const x = ramp(plan.batch * plan.cIn * plan.inPositions, 0.37);
const w = ramp(plan.cOut * plan.cIn * plan.kernelVolume, 0.91);
const gy = ramp(plan.batch * plan.cOut * plan.outPositions, 0.53);

function runAll(): { y: Float32Array; gx: Float32Array; gw: Float32Array } {
  const y = new Float32Array(gy.length);
  const gx = new Float32Array(x.length);
  const gw = new Float32Array(w.length);
  convForwardInto(x, w, plan, y, false);
  convAdjointInto(gy, w, plan, gx);
  convWeightGradInto(x, gy, plan, gw);
  return { y, gx, gw };
}

describe('the conv capability of a backend', () => {
  it('receives the plan and the callers buffers; what it declines runs generically, with the same bits', () => {
    setGemm(jsGemm);
    const expected = runAll();
    const seen: unknown[] = [];
    const declining: Backend = {
      ...jsGemm,
      conv: {
        forward: (call) => (seen.push(['forward', call.plan, call.x]), 0),
        adjoint: (call) => (seen.push(['adjoint', call.plan, call.y]), 0),
        weightGrad: (call) => (seen.push(['weightGrad', call.plan, call.x]), false),
      },
    };
    setGemm(declining);
    expect(getBackend()).toBe(declining);
    expect(runAll()).toEqual(expected);
    expect(seen).toEqual([
      ['forward', plan, x],
      ['adjoint', plan, gy],
      ['weightGrad', plan, x],
    ]);
  });

  it('samples it reports as run are left to it', () => {
    // A capability that runs the first sample of the forward (by the JS backend) and declines the rest.
    const first = convPlan(1, 1, 2, 4, plan.geom);
    const partial: Backend = {
      ...jsGemm,
      conv: {
        forward: (call) => {
          setGemm(jsGemm);
          convForwardInto(call.x, call.w, first, call.y, call.accumulate);
          setGemm(partial);
          return 1;
        },
        adjoint: () => 0,
        weightGrad: (call) => (call.gw.fill(7), true),
      },
    };
    setGemm(jsGemm);
    const expected = runAll();
    setGemm(partial);
    const got = runAll();
    expect(got.y).toEqual(expected.y);
    expect(got.gx).toEqual(expected.gx);
    expect(Array.from(new Set(got.gw))).toEqual([7]);
  });
});
