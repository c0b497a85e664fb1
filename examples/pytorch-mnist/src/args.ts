import { parseFlags } from '@torchlet/layers/node';

export { UsageError } from '@torchlet/layers/node';

/** main.py's argparse flags, camelCased; `--limit` and `--test-limit` (use the first N images) are ours. */
export interface Args {
  batchSize: number;
  testBatchSize: number;
  epochs: number;
  lr: number;
  gamma: number;
  seed: number;
  logInterval: number;
  saveModel: boolean;
  limit: number;
  testLimit: number;
}

export const DEFAULTS: Args = {
  batchSize: 64,
  testBatchSize: 1000,
  epochs: 4,
  lr: 1.0,
  gamma: 0.7,
  seed: 1,
  logInterval: 0,
  saveModel: false,
  limit: 0,
  testLimit: 0,
};

const USAGE =
  'usage: pnpm pytorch-mnist [--epochs 4] [--limit N] [--test-limit N] [--batch-size 64] [--test-batch-size 1000] [--lr 1.0] ' +
  '[--gamma 0.7] [--seed 1] [--log-interval 0] [--save-model]';

/** Parses `--name value` / `--name=value`; unknown flags and bad values are errors naming the flag. */
export function parseArgs(argv: readonly string[]): Args {
  return parseFlags(
    argv,
    {
      batchSize: { type: 'int', default: DEFAULTS.batchSize, min: 1 },
      testBatchSize: { type: 'int', default: DEFAULTS.testBatchSize, min: 1 },
      epochs: { type: 'int', default: DEFAULTS.epochs, min: 1 },
      lr: { type: 'number', default: DEFAULTS.lr, min: 0 },
      gamma: { type: 'number', default: DEFAULTS.gamma, min: 0 },
      seed: { type: 'int', default: DEFAULTS.seed, min: 0 },
      logInterval: { type: 'int', default: DEFAULTS.logInterval, min: 0 },
      saveModel: { type: 'boolean' },
      limit: { type: 'int', default: DEFAULTS.limit, min: 0 },
      testLimit: { type: 'int', default: DEFAULTS.testLimit, min: 0 },
    },
    USAGE,
  );
}
