import { noGrad, Variable } from '@torchlet/autograd';
import { checkOptions, checkShape, describeValue, formatShape, typeError, zeros, type DType } from '@torchlet/tensor';
import type { RemovableHandle } from './modules/hooks.js';

/**
 * What `summary` reads of a model; every `Module` is one. Spelled out here instead of naming
 * `Module`, because module.ts imports this file to offer `model.summary()`: the two files stay
 * one-way.
 */
export interface Summarizable {
  training: boolean;
  forward(input: Variable): unknown;
  parameters(): readonly Variable[];
  namedParameters(): Iterable<[string, Variable]>;
  namedModules(): Iterable<[string, Summarizable]>;
  modules(): readonly Summarizable[];
  children(): readonly unknown[];
  eval(): unknown;
  registerForwardHook(hook: (module: Summarizable, inputs: unknown[], output: unknown) => void): RemovableHandle;
}

/** The methods `summaryRows` calls; a value without them is not a module. */
const MODULE_METHODS = ['forward', 'parameters', 'namedModules', 'modules', 'eval'] as const;

export interface SummaryOptions {
  /** dtype of the zeros fed through the model. Default: the first parameter's, else float32. */
  dtype?: DType;
  /** Also `console.log` the table. Default true. */
  print?: boolean;
}

export interface SummaryRow {
  /** Dotted path of the layer (`features.0`). */
  name: string;
  /** Class name (`Conv2d`). */
  type: string;
  /** One shape per tensor the layer returned (one for most layers; a tuple or object of outputs gives several). */
  outputShapes: number[][];
  /** Parameter elements held directly by this layer. */
  params: number;
}

/**
 * A table of each leaf layer's output shape and parameter count for an input of `inputShape`,
 * in the order the layers run, with the totals (as `torchinfo.summary`). The model runs once on
 * zeros under `noGrad` and in eval mode (so BatchNorm's running statistics stay untouched); its
 * train/eval flags are restored afterwards. Prints the table with `console.log` (pass
 * `{ print: false }` to only get the text) and returns it; `summaryRows` gives the data behind it.
 *
 * @param inputShape e.g. `[1, 1, 28, 28]`
 * @returns the printed table, as a string
 * @example summary(lenet, [1, 1, 28, 28]) // prints "features.0 (Conv2d)   [1, 6, 28, 28]   156" ...
 */
export function summary(model: Summarizable, inputShape: readonly number[], options: SummaryOptions = {}): string {
  const { rows, output, total, trainable } = summaryRows(model, inputShape, options);
  const header = ['Layer (type)', 'Output Shape', 'Param #'];
  const cells = rows.map((r) => [
    r.name ? `${r.name} (${r.type})` : r.type,
    r.outputShapes.map(formatShape).join(', '),
    r.params.toLocaleString('en-US'),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...cells.map((c) => c[k]!.length)));
  const line = (c: string[]) =>
    `${c[0]!.padEnd(widths[0]!)}   ${c[1]!.padEnd(widths[1]!)}   ${c[2]!.padStart(widths[2]!)}`;
  const rule = '='.repeat(widths[0]! + widths[1]! + widths[2]! + 6);
  const text = [
    `${model.constructor.name}: input ${formatShape(inputShape)} → output ${output.map(formatShape).join(', ')}`,
    rule,
    line(header),
    rule,
    ...cells.map(line),
    rule,
    `Total params: ${total.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
  ].join('\n');
  if (options.print ?? true) console.log(text);
  return text;
}

/** The data behind `summary`: one row per leaf layer call, the model's output shapes and the totals. */
export function summaryRows(
  model: Summarizable,
  inputShape: readonly number[],
  options: SummaryOptions = {},
): { rows: SummaryRow[]; output: number[][]; total: number; trainable: number } {
  const op = 'summary';
  if (
    model === null ||
    typeof model !== 'object' ||
    MODULE_METHODS.some((method) => typeof (model as unknown as Record<string, unknown>)[method] !== 'function')
  )
    throw typeError(op, `model must be a Module, got ${describeValue(model)}`);
  checkShape(op, inputShape as number[], 'inputShape');
  checkOptions(op, options, ['dtype', 'print']);
  const params = model.parameters();
  const dtype = options.dtype ?? (params[0]?.dtype === 'float64' ? 'float64' : 'float32');
  const rows: SummaryRow[] = [];
  const leaves = [...model.namedModules()].filter(([, m]) => m.children().length === 0);
  const modes = model.modules().map((m) => [m, m.training] as const);
  // A hook on each leaf records its output; the handles come off afterwards.
  const handles: RemovableHandle[] = [];
  for (const [name, m] of leaves) {
    const own = [...m.namedParameters()].reduce((n, [, p]) => n + p.size, 0);
    handles.push(
      m.registerForwardHook((_m, _inputs, y) => {
        rows.push({ name, type: m.constructor.name, outputShapes: shapesOf(y), params: own });
      }),
    );
  }
  let output: number[][];
  try {
    model.eval();
    const y = noGrad(() => model.forward(new Variable(zeros(inputShape, { dtype }))));
    output = shapesOf(y);
  } finally {
    for (const handle of handles) handle.remove();
    for (const [m, training] of modes) m.training = training;
  }
  const total = params.reduce((n, p) => n + p.size, 0);
  const trainable = params.reduce((n, p) => n + (p.requiresGrad ? p.size : 0), 0);
  return { rows, output, total, trainable };
}

/** The shapes of the tensors in a forward's output: a Variable or Tensor, or arrays and objects of them, in order. */
function shapesOf(output: unknown): number[][] {
  if (output === null || typeof output !== 'object') return [];
  const shape = (output as { shape?: unknown }).shape;
  if (Array.isArray(shape)) return [shape.slice() as number[]];
  const plain = Array.isArray(output) || Object.getPrototypeOf(output) === Object.prototype;
  return plain ? Object.values(output).flatMap(shapesOf) : [];
}
