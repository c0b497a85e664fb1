/** main.py's argparse flags, camelCased; `--limit` (train on the first N images) is ours. */
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
}

export const DEFAULTS: Args = {
  batchSize: 64,
  testBatchSize: 1000,
  epochs: 3,
  lr: 1.0,
  gamma: 0.7,
  seed: 1,
  logInterval: 0,
  saveModel: false,
  limit: 0,
};

const USAGE =
  'usage: pnpm pytorch-mnist [--epochs 3] [--limit N] [--batch-size 64] [--test-batch-size 1000] [--lr 1.0] ' +
  '[--gamma 0.7] [--seed 1] [--log-interval 0] [--save-model]';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `--name value` / `--name=value`; unknown flags and bad values are errors naming the flag. */
export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    if (raw === '--help' || raw === '-h') throw new UsageError(USAGE);
    if (!raw.startsWith('--')) throw new UsageError(`unexpected argument ${raw}\n${USAGE}`);
    let [name, value] = raw.slice(2).split('=', 2) as [string, string | undefined];
    if (name === 'save-model') {
      args.saveModel = true;
      continue;
    }
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value\n${USAGE}`);
    const num = (min: number, integer: boolean) => {
      const v = Number(value);
      if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)))
        throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${value}`);
      return v;
    };
    switch (name) {
      case 'batch-size':
        args.batchSize = num(1, true);
        break;
      case 'test-batch-size':
        args.testBatchSize = num(1, true);
        break;
      case 'epochs':
        args.epochs = num(1, true);
        break;
      case 'lr':
        args.lr = num(0, false);
        break;
      case 'gamma':
        args.gamma = num(0, false);
        break;
      case 'seed':
        args.seed = num(0, true);
        break;
      case 'log-interval':
        args.logInterval = num(0, true);
        break;
      case 'limit':
        args.limit = num(0, true);
        break;
      default:
        throw new UsageError(`unknown flag --${name}\n${USAGE}`);
    }
  }
  return args;
}
