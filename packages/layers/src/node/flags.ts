import { parseArgs } from 'node:util';

/** One command-line flag: its kind, its default and, for numbers, the smallest value it takes. */
export type FlagSpec =
  | { type: 'int'; default: number; min?: number }
  | { type: 'number'; default: number; min?: number }
  | { type: 'string'; default: string }
  | { type: 'choice'; default: string; choices: readonly string[] }
  | { type: 'boolean' };

/** What `parseFlags` returns for a spec: numbers for 'int'/'number', booleans for 'boolean', strings else. */
export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K] extends { type: 'int' | 'number' }
    ? number
    : S[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

/** A command line the script cannot run with; its message ends with the usage line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses a script's flags with Node's `util.parseArgs`: camelCase keys of `spec` are the kebab-case
 * flags (`batchSize` ↔ `--batch-size`), `--name value` and `--name=value` both work, and unknown
 * flags, missing values, positionals and out-of-range numbers throw a `UsageError` that names the
 * flag and ends with `usage` (so does `--help`/`-h`).
 */
export function parseFlags<S extends Record<string, FlagSpec>>(
  argv: readonly string[],
  spec: S,
  usage: string,
): FlagValues<S> {
  const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [key, flag] of Object.entries(spec))
    options[flagOf(key)] = { type: flag.type === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(`${flagError(e)}\n${usage}`);
  }
  if (values.help) throw new UsageError(usage);
  const result: Record<string, string | number | boolean> = {};
  for (const [key, flag] of Object.entries(spec)) {
    const name = flagOf(key);
    const raw = values[name];
    if (flag.type === 'boolean') result[key] = raw === true;
    else if (raw === undefined) result[key] = flag.default;
    else if (typeof raw !== 'string') throw new UsageError(`--${name} needs a value\n${usage}`);
    else if (flag.type === 'string') result[key] = raw;
    else if (flag.type === 'choice') {
      if (!flag.choices.includes(raw))
        throw new UsageError(`--${name} must be ${flag.choices.join(' or ')}, got ${raw}\n${usage}`);
      result[key] = raw;
    } else {
      const v = Number(raw);
      const min = flag.min ?? -Infinity;
      const integer = flag.type === 'int';
      if (raw.trim() === '' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)))
        throw new UsageError(
          `--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${raw}\n${usage}`,
        );
      result[key] = v;
    }
  }
  return result as FlagValues<S>;
}

/** `util.parseArgs`'s error in a script's words: `unknown flag --x`, `--lr needs a value`, `unexpected argument x`. */
function flagError(e: unknown): string {
  const { code, message } = e as { code?: string; message: string };
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return message.includes('ambiguous')
      ? `${flag} needs a value; write one that starts with a dash as ${flag}=-1`
      : `${flag} needs a value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`;
  throw e;
}
