/**
 * The parts of the bench that run anywhere, Node or a browser (no Node imports): the workloads, the
 * runner that checks and times them, the timing policies and the table. The browser bench page
 * (examples/browser/bench.html) imports this as `@torchlet/benchmarks/portable`.
 */
export { cells, HEAD, LEGEND, markdownTable, RIGHT, textTable } from './report.js';
export { cannotRow, markSpeedups, runWorkload, type Row, type RunnerOptions } from './runner.js';
export { firstLine, tfLabel, type Tf, type TfBackendName, type TfPeers } from './tf-peers.js';
export { FULL, QUICK, type TimingPolicy } from './timing.js';
export { torchletBackends, type TorchletBackend } from './torchlet-backends.js';
export { benchWorkloads, type Prepared, type Workload } from './workloads/index.js';
