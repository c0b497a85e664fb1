import { cpus, platform, release, totalmem, arch, availableParallelism } from 'node:os';

/** One paragraph describing where the numbers came from. */
export function machineDescription(extra: readonly string[]): string[] {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? 'unknown CPU';
  return [
    `CPU: ${model}, ${cpu.length} logical cores (availableParallelism ${availableParallelism()})`,
    `Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; OS: ${platform()} ${release()} ${arch()}`,
    `Node ${process.version} (V8 ${process.versions.v8})`,
    ...extra,
  ];
}
