import { CLASSES } from './signals.js';
import { trainSignals } from './train.js';

console.log(`Conv1d classifier of generated signals: ${CLASSES.join(' / ')}`);
const run = trainSignals({ log: console.log });
console.log(`trained in ${run.seconds.toFixed(1)} s`);
console.log(`test accuracy: ${run.testAccuracy.toFixed(4)}`);
