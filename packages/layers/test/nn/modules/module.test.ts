import { Variable } from '@torchlet/autograd';
import { Generator, ShapeError, tensor, Tensor, zeros } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { Module, StateDictError } from '../../../src/nn/modules/module.js';
import { ReLU } from '../../../src/nn/modules/activation.js';
import { Dropout } from '../../../src/nn/modules/dropout.js';
import { Flatten, Identity, Linear } from '../../../src/nn/modules/linear.js';
import { BatchNorm1d } from '../../../src/nn/modules/norm.js';
import { Sequential } from '../../../src/nn/modules/sequential.js';
import { Parameter } from '../../../src/nn/modules/parameter.js';

class Block extends Module {
  fc: Linear;
  bn: BatchNorm1d;
  scale: Parameter;
  _cache: Parameter; // private: skipped by the walk
  constructor(g: Generator) {
    super();
    this.fc = new Linear(3, 4, { generator: g });
    this.bn = new BatchNorm1d(4);
    this.scale = new Parameter(tensor([2]));
    this._cache = new Parameter(tensor([0]));
  }
  forward(x: Tensor | Variable): Variable {
    return this.bn.forward(this.fc.forward(x));
  }
}

class Net extends Module {
  block: Block;
  head: Sequential;
  constructor(seed = 0) {
    super();
    const g = new Generator(seed);
    this.block = new Block(g);
    this.head = new Sequential(new ReLU(), new Dropout(0.5), new Linear(4, 2, { generator: g }));
  }
  forward(x: Tensor | Variable): Variable {
    return this.head.forward(this.block.forward(x));
  }
}

describe('Module registration', () => {
  it('names parameters and buffers by dotted paths in registration order', () => {
    const net = new Net();
    expect([...net.namedParameters()].map(([n]) => n)).toEqual([
      'block.fc.weight',
      'block.fc.bias',
      'block.bn.weight',
      'block.bn.bias',
      'block.scale',
      'head.2.weight',
      'head.2.bias',
    ]);
    expect([...net.namedBuffers()].map(([n]) => n)).toEqual([
      'block.bn.running_mean',
      'block.bn.running_var',
      'block.bn.num_batches_tracked',
    ]);
    expect([...net.namedModules()].map(([n]) => n)).toEqual([
      '',
      'block',
      'block.fc',
      'block.bn',
      'head',
      'head.0',
      'head.1',
      'head.2',
    ]);
    expect(net.children().map((m) => m.constructor.name)).toEqual(['Block', 'Sequential']);
    expect(net.parameters().length).toBe(7);
    expect(net.numParameters()).toBe(12 + 4 + 4 + 4 + 1 + 8 + 2);
  });
  it('Sequential children are 0..n−1 (numeric order past 9), indexable and iterable', () => {
    const seq = new Sequential(...Array.from({ length: 12 }, () => new Identity()));
    expect([...seq.namedChildren()].map(([n]) => n)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect(seq.length).toBe(12);
    const relu = new ReLU();
    seq.append(relu);
    expect(seq.at(-1)).toBe(relu);
    expect(seq.at(12)).toBe(relu);
    expect(seq[12]).toBe(relu);
    expect([...seq].length).toBe(13);
    expect(() => seq.at(13)).toThrow(/Sequential.at: index 13 is out of range for 13 modules/);
    expect(() => new Sequential(3 as never)).toThrow(/Sequential: modules\[0\] must be a Module, got number/);
  });
  it('Sequential chains forward; an empty one is the identity', () => {
    const seq = new Sequential(new Flatten(), new ReLU());
    expect(seq.forward(tensor([[[-1, 2]], [[3, -4]]])).toArray()).toEqual([
      [0, 2],
      [3, 0],
    ]);
    expect(new Sequential().forward(tensor([1, 2])).toArray()).toEqual([1, 2]);
  });
});

describe('train / eval, apply, zeroGrad', () => {
  it('train(false) and eval() reach every descendant; train() restores', () => {
    const net = new Net();
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });
  it('apply visits children before parents', () => {
    const seen: string[] = [];
    new Net().apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Linear', 'BatchNorm1d', 'Block', 'ReLU', 'Dropout', 'Linear', 'Sequential', 'Net']);
  });
  it('zeroGrad clears every gradient after a backward', () => {
    const net = new Net();
    const y = net.forward(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    y.backward(
      tensor([
        [1, 1],
        [1, 1],
      ]),
    );
    expect(net.parameters().filter((p) => p.grad !== null).length).toBeGreaterThan(0);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe('stateDict / loadStateDict', () => {
  it('round trip: another model gets identical outputs', () => {
    const a = new Net(1);
    const b = new Net(2);
    a.eval();
    b.eval();
    const x = tensor([[1, -2, 3]]);
    expect(b.forward(x).toArray()).not.toEqual(a.forward(x).toArray());
    const result = b.loadStateDict(a.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
  });
  it('loads in place: the parameter objects and their storage stay the same', () => {
    const a = new Net(1);
    const b = new Net(2);
    const before = b.parameters().map((p) => p.data.data);
    b.loadStateDict(a.stateDict());
    expect(b.parameters().map((p) => p.data.data)).toEqual(before);
    expect(b.parameters()[0]!.data.data).toBe(before[0]);
  });
  it('the state dict shares the tensors (no copy)', () => {
    const net = new Net();
    expect(net.stateDict()['block.fc.weight']).toBe(net.block.fc.weight.data);
  });
  it('strict: missing and unexpected keys are named in a StateDictError', () => {
    const net = new Net();
    const sd = net.stateDict();
    delete sd['head.2.bias'];
    sd['head.3.weight'] = zeros([1]);
    expect(() => net.loadStateDict(sd)).toThrow(StateDictError);
    expect(() => net.loadStateDict(sd)).toThrow(
      /loadStateDict: missing keys: head.2.bias; unexpected keys: head.3.weight/,
    );
    try {
      net.loadStateDict(sd);
    } catch (e) {
      expect((e as StateDictError).missingKeys).toEqual(['head.2.bias']);
      expect((e as StateDictError).unexpectedKeys).toEqual(['head.3.weight']);
    }
    expect(net.loadStateDict(sd, { strict: false })).toEqual({
      missingKeys: ['head.2.bias'],
      unexpectedKeys: ['head.3.weight'],
    });
  });
  it('shape mismatches are a ShapeError naming the key and both shapes, before anything is written', () => {
    const net = new Net();
    const w = net.block.fc.weight.data.toArray();
    const sd = { ...new Net(3).stateDict(), 'head.2.weight': zeros([3, 4]) };
    expect(() => net.loadStateDict(sd)).toThrow(ShapeError);
    expect(() => net.loadStateDict(sd)).toThrow(
      /loadStateDict: head.2.weight: checkpoint has shape \[3, 4\], model has \[2, 4\]/,
    );
    expect(net.block.fc.weight.data.toArray()).toEqual(w);
    expect(() => net.loadStateDict({ ...net.stateDict(), 'block.scale': [1] as never })).toThrow(
      /block.scale must be a Tensor/,
    );
    expect(() => net.loadStateDict(null as never)).toThrow(/stateDict must be an object of tensors/);
  });
  it('every problem is listed in one error, as PyTorch does: missing, unexpected, each size mismatch, non-tensors', () => {
    const net = new Net();
    const before = net.stateDict()['block.fc.weight']!.toArray();
    const sd: Record<string, unknown> = { ...new Net(3).stateDict() };
    delete sd['head.2.bias'];
    sd['extra'] = zeros([1]);
    sd['block.fc.weight'] = zeros([4, 4]);
    sd['head.2.weight'] = zeros([3, 4]);
    sd['block.fc.bias'] = [1, 2, 3, 4];
    let error: unknown;
    try {
      net.loadStateDict(sd as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect(error).toBeInstanceOf(ShapeError);
    const e = error as StateDictError;
    expect(e.message).toBe(
      'loadStateDict: missing keys: head.2.bias; unexpected keys: extra; ' +
        'block.fc.weight: checkpoint has shape [4, 4], model has [4, 3]; block.fc.bias must be a Tensor, got an array; ' +
        'head.2.weight: checkpoint has shape [3, 4], model has [2, 4]',
    );
    expect(e.sizeMismatches).toEqual([
      { key: 'block.fc.weight', checkpointShape: [4, 4], modelShape: [4, 3] },
      { key: 'head.2.weight', checkpointShape: [3, 4], modelShape: [2, 4] },
    ]);
    expect(e.notTensors).toEqual(['block.fc.bias']);
    expect(net.stateDict()['block.fc.weight']!.toArray()).toEqual(before);
    // strict: false still rejects size mismatches (as PyTorch), listing all of them.
    expect(() => net.loadStateDict(sd as never, { strict: false })).toThrow(
      /^loadStateDict: block.fc.weight: checkpoint has shape \[4, 4\], model has \[4, 3\]; block.fc.bias must be a Tensor, got an array; head.2.weight/,
    );
  });
  it('keys like toString or constructor are not mistaken for entries', () => {
    const net = new Linear(1, 1);
    expect(() => net.loadStateDict({ toString: zeros([1]) } as never)).toThrow(
      /missing keys: weight, bias; unexpected keys: toString/,
    );
  });
});

describe('toString', () => {
  it('prints the tree with non-default options', () => {
    const text = new Net().toString();
    expect(text).toContain('(fc): Linear(inFeatures=3, outFeatures=4, bias=true)');
    expect(text).toContain('(bn): BatchNorm1d(4, eps=0.00001, momentum=0.1)');
    expect(text).toContain('(1): Dropout(p=0.5)');
  });
});
