import { parseFlags } from '@torchlet/layers/node';

export { UsageError } from '@torchlet/layers/node';

export interface MnistArgs {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Train on the first `limit` training images (0 = all 60,000). */
  limit: number;
  /** Directory for the checkpoint and the loss curve. */
  out: string;
  model: 'lenet' | 'wide';
  /** Also write the trained model as ONNX to this path ('' = no export). */
  export: string;
  /** Also write PNG pictures (filters, feature maps, curves) into this directory ('' = none). */
  plots: string;
}

export const DEFAULTS: MnistArgs = {
  epochs: 3,
  batchSize: 64,
  lr: 1e-3,
  seed: 0,
  limit: 0,
  out: 'out/mnist',
  model: 'lenet',
  export: '',
  plots: '',
};

const USAGE = `usage: pnpm mnist [--epochs 3] [--batch-size 64] [--lr 0.001] [--seed 0] [--limit N] [--out out/mnist] [--model lenet|wide] [--export model.onnx] [--plots DIR]`;

/** Parses `--name value` / `--name=value` flags; unknown flags and bad values are errors naming the flag. */
export function parseArgs(argv: readonly string[]): MnistArgs {
  const flags = parseFlags(
    argv,
    {
      epochs: { type: 'int', default: DEFAULTS.epochs, min: 1 },
      batchSize: { type: 'int', default: DEFAULTS.batchSize, min: 1 },
      lr: { type: 'number', default: DEFAULTS.lr, min: 0 },
      seed: { type: 'int', default: DEFAULTS.seed, min: 0 },
      limit: { type: 'int', default: DEFAULTS.limit, min: 0 },
      out: { type: 'string', default: DEFAULTS.out },
      model: { type: 'choice', default: DEFAULTS.model, choices: ['lenet', 'wide'] },
      export: { type: 'string', default: DEFAULTS.export },
      plots: { type: 'string', default: DEFAULTS.plots },
    },
    USAGE,
  );
  return { ...flags, model: flags.model as MnistArgs['model'] };
}
