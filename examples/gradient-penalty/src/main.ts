// Gradients of gradients, two ways (pnpm gradient-penalty):
// 1. input-gradient regularisation: a small CNN trained on CE + λ·|∂CE/∂x|², with and without the
//    penalty — the penalised model ends with a much smaller input gradient;
// 2. a Hessian-vector product of the loss in the parameters, checked against central differences.
import { hessianVectorProduct, train } from './penalty.js';

const steps = Number(process.argv[2] ?? 60);
const plain = train(0, steps, 0, console.log);
const penalised = train(1, steps, 0, console.log);
console.log(
  `after ${steps} steps: |∂CE/∂x|² ${plain.penalty.toExponential(3)} without the penalty, ` +
    `${penalised.penalty.toExponential(3)} with it (cross-entropy ${plain.ce.toFixed(4)} vs ${penalised.ce.toFixed(4)})`,
);
const { hv, finiteDifference } = hessianVectorProduct();
let worst = 0;
let scale = 0;
hv.forEach((h, k) => {
  worst = Math.max(worst, Math.abs(h - finiteDifference[k]!));
  scale = Math.max(scale, Math.abs(finiteDifference[k]!));
});
console.log(
  `Hessian-vector product over ${hv.length} parameters: max |Hv − central difference| = ${worst.toExponential(2)} (max |Hv| ${scale.toFixed(4)})`,
);
