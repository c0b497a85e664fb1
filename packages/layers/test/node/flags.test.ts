import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError } from '@torchlet/layers/node';

const USAGE = 'usage: demo [--batch-size 64] [--lr 1] [--model a|b] [--out DIR] [--save-model]';
const SPEC = {
  batchSize: { type: 'int', default: 64, min: 1 },
  lr: { type: 'number', default: 1, min: 0 },
  model: { type: 'choice', default: 'a', choices: ['a', 'b'] },
  out: { type: 'string', default: 'out' },
  saveModel: { type: 'boolean' },
} as const;

describe('parseFlags', () => {
  it('gives the defaults, and camelCase keys read kebab-case flags in both spellings', () => {
    expect(parseFlags([], SPEC, USAGE)).toEqual({ batchSize: 64, lr: 1, model: 'a', out: 'out', saveModel: false });
    expect(
      parseFlags(['--batch-size', '8', '--lr=0.5', '--model', 'b', '--out=x', '--save-model'], SPEC, USAGE),
    ).toEqual({ batchSize: 8, lr: 0.5, model: 'b', out: 'x', saveModel: true });
  });

  it('rejects what the script cannot run with, naming the flag and ending with the usage line', () => {
    const cases: [string[], RegExp][] = [
      [['--batch-size', '0'], /--batch-size must be an integer >= 1, got 0/],
      [['--batch-size', '2.5'], /--batch-size must be an integer >= 1, got 2.5/],
      [['--lr=-1'], /--lr must be a number >= 0, got -1/],
      [['--lr', '-1'], /--lr needs a value; write one that starts with a dash as --lr=-1/],
      [['--lr', ''], /--lr must be a number >= 0, got /],
      [['--lr'], /--lr needs a value/],
      [['--model', 'c'], /--model must be a or b, got c/],
      [['--batch_size', '8'], /unknown flag --batch_size/],
      [['extra'], /unexpected argument extra/],
      [['--help'], /^usage: demo/],
    ];
    for (const [argv, message] of cases) {
      let error: unknown;
      try {
        parseFlags(argv, SPEC, USAGE);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((error as Error).message, argv.join(' ')).toMatch(message);
      expect((error as Error).message.endsWith(USAGE), argv.join(' ')).toBe(true);
    }
  });
});
