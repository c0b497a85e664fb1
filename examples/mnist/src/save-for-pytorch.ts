/**
 * Writes a Torchlet LeNet5 checkpoint and its logits on a fixed batch, for the PyTorch side of the
 * weights round trip (run by hand; the result is committed as fixtures/torch/torchlet_to_torch.json):
 *
 *   node scripts/run.mjs examples/mnist/src/save-for-pytorch.ts /tmp/torchlet-lenet
 *   /usr/bin/python3 fixtures/generate/lenet_state.py --check /tmp/torchlet-lenet
 *
 * Both models (LeNet5, and WideCnn with its BatchNorm buffers) train for 20 Adam steps on random
 * data first, so the files hold weights and running statistics Torchlet computed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, Variable } from '@torchlet/autograd';
import { Adam, functional as F } from '@torchlet/layers';
import { save } from '@torchlet/layers/node';
import { Generator, randint, randn } from '@torchlet/tensor';
import { LeNet5, WideCnn } from './models.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/run.mjs examples/mnist/src/save-for-pytorch.ts DIR');
  process.exit(2);
}
const g = new Generator(42);
mkdirSync(dir, { recursive: true });
for (const [name, model] of [
  ['lenet', new LeNet5(g)],
  ['wide', new WideCnn(g)],
] as const) {
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  for (let step = 0; step < 20; step++) {
    const loss = F.crossEntropy(
      model.forward(randn([8, 1, 28, 28], { generator: g })),
      randint(0, 10, [8], { generator: g }),
    );
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
  model.eval();
  const input = randn([4, 1, 28, 28], { generator: g });
  const output = noGrad(() => model.forward(new Variable(input))).data;
  save(join(dir, `${name}.safetensors`), model.stateDict(), { format: 'pt', producer: 'torchlet' });
  const encode = (t: typeof input) => ({ shape: t.shape, data: Array.from(t.toTypedArray()) });
  writeFileSync(join(dir, `${name}_outputs.json`), JSON.stringify({ input: encode(input), output: encode(output) }));
  console.log(`wrote ${join(dir, `${name}.safetensors`)} and ${name}_outputs.json`);
}
