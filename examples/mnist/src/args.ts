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
  const args: MnistArgs = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    if (raw === '--help' || raw === '-h') throw new UsageError(USAGE);
    if (!raw.startsWith('--')) throw new UsageError(`unexpected argument ${raw}\n${USAGE}`);
    let [name, value] = raw.slice(2).split('=', 2) as [string, string | undefined];
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value\n${USAGE}`);
    const num = (min: number, integer: boolean) => {
      const v = Number(value);
      if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
        throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${value}`);
      }
      return v;
    };
    switch (name) {
      case 'epochs':
        args.epochs = num(1, true);
        break;
      case 'batch-size':
        args.batchSize = num(1, true);
        break;
      case 'lr':
        args.lr = num(0, false);
        break;
      case 'seed':
        args.seed = num(0, true);
        break;
      case 'limit':
        args.limit = num(0, true);
        break;
      case 'out':
        args.out = value;
        break;
      case 'export':
        args.export = value;
        break;
      case 'plots':
        args.plots = value;
        break;
      case 'model':
        if (value !== 'lenet' && value !== 'wide') throw new UsageError(`--model must be lenet or wide, got ${value}`);
        args.model = value;
        break;
      default:
        throw new UsageError(`unknown flag --${name}\n${USAGE}`);
    }
  }
  return args;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
