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

/** Parses `argv` (without node and the script); unknown flags are an error so typos do not pass silently. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: [], epochChild: null, workloadChild: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!value) throw new Error(`bench: --only needs a pattern\n${USAGE}`);
      args.only.push(value.toLowerCase());
    } else if (a === '--epoch-child') {
      const value = argv[++i];
      if (!value) throw new Error('bench: --epoch-child needs a JSON job');
      args.epochChild = value;
    } else if (a === '--workload-child') {
      const value = argv[++i];
      if (!value) throw new Error('bench: --workload-child needs a JSON job');
      args.workloadChild = value;
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`bench: unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  return args;
}

/** Whether a workload named `name` passes the `--only` filter. */
export function selected(args: BenchArgs, name: string): boolean {
  const lower = name.toLowerCase();
  return args.only.length === 0 || args.only.some((p) => lower.includes(p));
}
