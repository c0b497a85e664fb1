import type { PytorchSpec } from '../pytorch.js';
import type { Tf } from '../tf-peers.js';

/** One workload prepared for one implementation at one batch size. */
export interface Prepared {
  /** One timed unit of work (a GEMM, a forward pass, a forward+backward, a training step). */
  run(): void;
  /**
   * The results of the latest run in Torchlet's layout (NCHW, `[Cout, Cin, kH, kW]`, `[out, in]`), so
   * the bench can compare frameworks element by element before it times them.
   */
  outputs(): Float32Array[];
  dispose(): void;
}

/** Something the bench times on every implementation, from the same seeded inputs. */
export interface Workload {
  name: string;
  /**
   * The batch size it is defined with, when its cost is linear in the batch: a peer too slow to run it
   * in the time budget is then run on fewer samples and its time scaled up (and labelled so). null when
   * the batch is part of what is measured (a training step).
   */
  scalableBatch: number | null;
  /** Floating-point operations of one run at `batch` (2 per multiply–add), or null when not counted. */
  flops(batch: number): number | null;
  /** Images one run processes (for images/s), or null. */
  images: number | null;
  /** What benchmarks/pytorch/bench.py runs for PyTorch's row. */
  pytorch: PytorchSpec;
  torchlet(batch: number): Prepared;
  tfjs(tf: Tf, batch: number): Prepared;
}
