// The conv engine: one convolution plan and its three drivers over plain arrays (no graph).
export { convPlan, planar, spatial, chunkSamples, type ConvPlan } from './plan.js';
export { convForwardInto, fillChannelBias } from './forward.js';
export { convAdjointInto } from './adjoint.js';
export { convWeightGradInto, channelSums } from './weight-grad.js';
export { columnScratch, takeColumns } from './columns.js';
