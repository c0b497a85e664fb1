import { parseArgs as parseFlags } from 'node:util';

/** Command-line options of `pnpm bench`. */
export interface BenchArgs {
  /** A short run: fewer and shorter timed runs, a partial MNIST epoch. */
  quick: boolean;
  /** Only workloads whose name contains one of these (case-insensitive); empty = all. */
  only: string[];
  /** Internal: this process is the child that trains one MNIST epoch (see mnist-epoch.ts). */
  epochChild: string | null;
  /** Internal: this process is the child that times one workload (see workload-child.ts). */
  workloadChild: string | null;
}

export const USAGE = `usage: pnpm bench [--quick] [--only <pattern>]...
  --quick           short run (fewer timed runs, a partial MNIST epoch); for checking the harness
  --only <pattern>  run only workloads whose name contains <pattern> (case-insensitive; repeat it
                    for several), e.g. --only gemm --only "conv2d fwd [64,1"`;

const FLAGS = {
  quick: { type: 'boolean' },
  only: { type: 'string', multiple: true },
  'epoch-child': { type: 'string' },
  'workload-child': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses `argv` (without node and the script) with Node's `util.parseArgs`; unknown flags are an
 * error so typos do not pass silently.
 */
export function parseArgs(argv: readonly string[]): BenchArgs {
  let values: ReturnType<typeof parseFlags<{ options: typeof FLAGS }>>['values'];
  try {
    ({ values } = parseFlags({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new Error(`bench: ${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = values.only ?? [];
  if (only.some((p) => !p)) throw new Error(`bench: --only needs a pattern\n${USAGE}`);
  for (const flag of ['epoch-child', 'workload-child'] as const)
    if (values[flag] === '') throw new Error(`bench: --${flag} needs a JSON job`);
  return {
    quick: values.quick ?? false,
    only: only.map((p) => p.toLowerCase()),
    epochChild: values['epoch-child'] ?? null,
    workloadChild: values['workload-child'] ?? null,
  };
}

/** Whether a workload named `name` passes the `--only` filter. */
export function selected(args: BenchArgs, name: string): boolean {
  const lower = name.toLowerCase();
  return args.only.length === 0 || args.only.some((p) => lower.includes(p));
}
