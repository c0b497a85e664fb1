import { parseArgs as parseFlags } from 'node:util';

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

const FLAGS = {
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  limit: { type: 'string' },
  out: { type: 'string' },
  model: { type: 'string' },
  export: { type: 'string' },
  plots: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `--name value` / `--name=value` flags (Node's `util.parseArgs`); unknown flags and bad values are errors naming the flag. */
export function parseArgs(argv: readonly string[]): MnistArgs {
  let values: ReturnType<typeof parseFlags<{ options: typeof FLAGS }>>['values'];
  try {
    ({ values } = parseFlags({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(`${flagError(e)}\n${USAGE}`);
  }
  if (values.help) throw new UsageError(USAGE);
  const num = (name: string, value: string | undefined, fallback: number, min: number, integer: boolean) => {
    if (value === undefined) return fallback;
    const v = Number(value);
    if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${value}`);
    }
    return v;
  };
  const model = values.model ?? DEFAULTS.model;
  if (model !== 'lenet' && model !== 'wide') throw new UsageError(`--model must be lenet or wide, got ${model}`);
  return {
    epochs: num('epochs', values.epochs, DEFAULTS.epochs, 1, true),
    batchSize: num('batch-size', values['batch-size'], DEFAULTS.batchSize, 1, true),
    lr: num('lr', values.lr, DEFAULTS.lr, 0, false),
    seed: num('seed', values.seed, DEFAULTS.seed, 0, true),
    limit: num('limit', values.limit, DEFAULTS.limit, 0, true),
    out: values.out ?? DEFAULTS.out,
    model,
    export: values.export ?? DEFAULTS.export,
    plots: values.plots ?? DEFAULTS.plots,
  };
}

/** `util.parseArgs`'s error in this tool's words: `unknown flag --x`, `--lr needs a value`, `unexpected argument x`. */
function flagError(e: unknown): string {
  const { code, message } = e as { code?: string; message: string };
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${flag} needs a value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`;
  throw e;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
