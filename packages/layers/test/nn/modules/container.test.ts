import { relu, type Variable } from '@torchlet/autograd';
import { Generator, randn, tensor, type Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  Dropout,
  functional as F,
  Identity,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  ReLU,
  SGD,
  summaryRows,
  type Layer,
} from '@torchlet/layers';

const g = () => new Generator(0);

/** The model: two convolutions held in a field. */
class Blocks extends Module {
  blocks: ModuleList<Conv2d>;
  constructor() {
    super();
    this.blocks = new ModuleList([
      new Conv2d(1, 2, 3, { padding: 1, generator: g() }),
      new Conv2d(2, 1, 3, { generator: g() }),
    ]);
  }
  forward(x: Tensor | Variable): Variable {
    for (const block of this.blocks) x = relu(block.forward(x));
    return x as Variable;
  }
}

/** The same model with a plain array, as a PyTorch user might first write it. */
class PlainArrayBlocks extends Module {
  blocks = [new Conv2d(1, 2, 3, { padding: 1, generator: g() }), new Conv2d(2, 1, 3, { generator: g() })];
  forward(x: Tensor | Variable): Variable {
    for (const block of this.blocks) x = relu(block.forward(x));
    return x as Variable;
  }
}

describe('modules in an array field (the issue: a field `blocks = [conv1, conv2]` trained nothing)', () => {
  it('a plain array of modules is refused by every traversal, naming the field and ModuleList', () => {
    const net = new PlainArrayBlocks();
    const refusal =
      /PlainArrayBlocks: field 'blocks' holds a Conv2d at blocks\[0\] inside a plain array, which is not registered \(its parameters would not train, save or move\); use a ModuleList \(new ModuleList\(\[\.\.\.\]\)\)/;
    expect(() => net.parameters()).toThrow(TypeError);
    expect(() => net.parameters()).toThrow(refusal);
    expect(() => net.stateDict()).toThrow(refusal);
    expect(() => net.train()).toThrow(refusal);
    expect(() => net.children()).toThrow(refusal);
    expect(() => new SGD(net.parameters(), { lr: 0.1 })).toThrow(refusal);
  });
  it('in a ModuleList, training moves both convolutions', () => {
    const net = new Blocks();
    const before = net.parameters().map((p) => p.data.toArray());
    expect(before).toHaveLength(4);
    const optimizer = new SGD(net.parameters(), { lr: 0.1 });
    const x = randn([2, 1, 5, 5], { generator: g() });
    for (let step = 0; step < 2; step++) {
      optimizer.zeroGrad();
      F.mseLoss(net.forward(x), randn([2, 1, 3, 3], { generator: new Generator(step) })).backward();
      optimizer.step();
    }
    net.parameters().forEach((p, i) => expect(p.data.toArray()).not.toEqual(before[i]));
  });
  it('objects, Maps, Sets and nested arrays of modules or parameters are refused too; arrays of numbers are fine', () => {
    const holding = (value: unknown) =>
      new (class Holder extends Module {
        held = value;
        sizes = [3, 4];
        options = { kernelSize: [3, 3] };
        forward(): null {
          return null;
        }
      })();
    expect(() => holding({ cls: new Linear(2, 2) }).parameters()).toThrow(
      /field 'held' holds a Linear at held\.cls inside a plain object.*use a ModuleDict/,
    );
    expect(() => holding(new Map([['a', new ReLU()]])).parameters()).toThrow(/held\.a inside a plain Map.*ModuleDict/);
    expect(() => holding(new Set([new ReLU()])).parameters()).toThrow(/inside a plain Set.*ModuleList/);
    expect(() => holding([[new ReLU()]]).parameters()).toThrow(/at held\[0\]\[0\]/);
    expect(() => holding([new Parameter(tensor([1]))]).parameters()).toThrow(
      /Parameter .*give each Parameter its own field/,
    );
    expect(holding([1, 2, 3]).parameters()).toEqual([]);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(holding(cyclic).parameters()).toEqual([]);
  });
  it('a private (_) array of modules stays private', () => {
    const m = new (class extends Module {
      _cache = [new Linear(2, 2)];
      forward(): null {
        return null;
      }
    })();
    expect(m.parameters()).toEqual([]);
  });
});

describe('ModuleList', () => {
  it('is registered as PyTorch names it: blocks.0.weight, ...; stateDict round-trips', () => {
    const net = new Blocks();
    const keys = Object.keys(net.stateDict());
    expect(keys).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias']);
    expect([...net.namedModules()].map(([n]) => n)).toEqual(['', 'blocks', 'blocks.0', 'blocks.1']);
    const other = new Blocks();
    other.blocks.at(0).weight.data.data.fill(7);
    net.loadStateDict(other.stateDict());
    expect(net.blocks[0]!.weight.data.toArray()).toEqual(other.blocks[0]!.weight.data.toArray());
  });
  it('indexes, appends, extends, inserts, sets, pops and iterates as a Python list', () => {
    const [a, b, c, d] = [new Identity(), new ReLU(), new Dropout(), new Identity()];
    const list = new ModuleList<Module>([a]);
    list.append(b).extend([c]);
    expect([...list]).toEqual([a, b, c]);
    list.insert(0, d);
    expect([...list]).toEqual([d, a, b, c]);
    list.insert(-1, d);
    expect([...list]).toEqual([d, a, b, d, c]);
    expect(list.pop()).toBe(c);
    expect(list.pop(0)).toBe(d);
    expect([...list]).toEqual([a, b, d]);
    list.set(-1, c);
    expect(list[2]).toBe(c);
    expect(list.at(-3)).toBe(a);
    expect(list.length).toBe(3);
    expect([...list.namedChildren()].map(([n]) => n)).toEqual(['0', '1', '2']);
    list.insert(3, d);
    expect(list.at(3)).toBe(d);
    const twelve = new ModuleList(Array.from({ length: 12 }, () => new Identity()));
    expect([...twelve.namedChildren()].map(([n]) => n)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
  });
  it('rejects what is not a module and indices out of range, naming them', () => {
    const list = new ModuleList([new ReLU()]);
    expect(() => new ModuleList([3 as never])).toThrow(
      /ModuleList.extend: modules\[0\] must be a Module, got number 3/,
    );
    expect(() => new ModuleList(3 as never)).toThrow(/ModuleList.extend: modules must be an iterable of Modules/);
    expect(() => list.append({} as never)).toThrow(TypeError);
    expect(() => list.at(1)).toThrow(RangeError);
    expect(() => list.at(1)).toThrow(/ModuleList.at: index 1 is out of range for 1 modules/);
    expect(() => list.insert(3, new ReLU())).toThrow(/ModuleList.insert: index 3 is out of range.*\(expected -1..1\)/);
    expect(() => list.pop(-2)).toThrow(/ModuleList.pop: index -2/);
    expect(() => list.set(0.5, new ReLU())).toThrow(/ModuleList.set: index 0.5/);
    expect(() => list.forward()).toThrow(/ModuleList: a ModuleList has no forward/);
  });
});

class Heads extends Module {
  trunk = new Linear(4, 3, { generator: g() });
  // From pairs: an object literal would put the integer-like key '10' first (JavaScript orders them so).
  heads = new ModuleDict<Layer>([
    ['cls', new Linear(3, 2, { generator: g() })],
    ['10', new Linear(3, 1)],
    ['box', new Dropout(0.5)],
  ]);
  forward(x: Tensor | Variable): [Variable, Variable] {
    const h = this.trunk.forward(x);
    return [this.heads.get('cls').forward(h), this.heads.get('10').forward(h)];
  }
}

describe('ModuleDict', () => {
  it('keeps insertion order (numeric keys too) in every traversal', () => {
    const net = new Heads();
    expect(Object.keys(net.stateDict())).toEqual([
      'trunk.weight',
      'trunk.bias',
      'heads.cls.weight',
      'heads.cls.bias',
      'heads.10.weight',
      'heads.10.bias',
    ]);
    net.eval();
    expect(net.heads.get('box').training).toBe(false);
    const seen: string[] = [];
    net.apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Linear', 'Linear', 'Linear', 'Dropout', 'ModuleDict', 'Heads']);
    expect(net.toString()).toContain('(heads): ModuleDict(\n    (cls): Linear(inFeatures=3, outFeatures=2, bias=true)');
    const { rows, output } = summaryRows(net, [1, 4]);
    expect(rows.map((r) => r.name)).toEqual(['trunk', 'heads.cls', 'heads.10']);
    expect(output).toEqual([
      [1, 2],
      [1, 1],
    ]);
  });
  it('gets, sets, pops, updates and lists like PyTorch', () => {
    const [a, b, c] = [new ReLU(), new Identity(), new Dropout()];
    const dict = new ModuleDict<Module>([
      ['a', a],
      ['b', b],
    ]);
    expect(dict.keys()).toEqual(['a', 'b']);
    dict.set('a', c);
    expect(dict.items()).toEqual([
      ['a', c],
      ['b', b],
    ]);
    dict.update({ z: a }).update(new ModuleDict({ y: b }));
    expect([...dict]).toEqual(['a', 'b', 'z', 'y']);
    expect(dict.values()).toEqual([c, b, a, b]);
    expect(dict.pop('b')).toBe(b);
    expect(dict.has('b')).toBe(false);
    expect(dict.length).toBe(3);
    dict.clear();
    expect(dict.length).toBe(0);
    expect(dict.parameters()).toEqual([]);
  });
  it('rejects unknown keys, bad keys and non-modules, naming them', () => {
    const dict = new ModuleDict({ a: new ReLU() });
    expect(() => dict.get('b')).toThrow(RangeError);
    expect(() => dict.get('b')).toThrow(/ModuleDict.get: no module named 'b' \(keys: a\)/);
    expect(() => dict.set('a.b', new ReLU())).toThrow(/ModuleDict.set: key must be a non-empty string without '\.'/);
    expect(() => dict.set('', new ReLU())).toThrow(TypeError);
    expect(() => dict.set('c', 3 as never)).toThrow(/ModuleDict.set: modules\['c'\] must be a Module, got number 3/);
    expect(() => dict.update(3 as never)).toThrow(/ModuleDict.update: modules must be an object/);
    expect(() => dict.update([['x']] as never)).toThrow(/each item must be a \[name, Module\] pair/);
    expect(() => dict.forward()).toThrow(/a ModuleDict has no forward/);
  });
});
