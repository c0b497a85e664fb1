// The ./testing subpath: helpers for property tests (fast-check is an optional peer dependency).
export * from './fuzz.js';
export { thrownBy } from './thrown.js';
export { arbConvAxis, convGeometryOfAxes, type ConvAxis, type ConvAxisOptions } from './conv-axis.js';
