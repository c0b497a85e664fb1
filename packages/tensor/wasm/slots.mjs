// The parameter block through which the TypeScript side (src/kernels/wasm/) hands a task to the
// AssemblyScript kernels (gemmTask in tasks.as.ts): every slot named once, here. scripts/build-wasm.mjs
// generates from this table the AssemblyScript constants (wasm/slots.as.ts, byte offsets for
// `load<T>(params, offset)`) and the TypeScript ones (src/kernels/wasm/slots.ts, 4-byte word indices
// for `i32[(params >> 2) + slot]`); a test fails when either is stale.
//
// A slot is 4 bytes (i32, f32 or a byte address); an f64 takes two and starts on an even slot. The
// product block (slots 0–15) and `kind` (16) are common to every task; from slot 17 on, each kind lays
// out its own fields. Values of `kind` are the keys of KINDS.

/** What a task is: the value of the `kind` slot. */
export const KINDS = {
  product: 0,
  batch: 1,
  conv: 2,
  weightGrad: 3,
  poolBackward: 4,
  adam: 5,
};

/** Per block: its first slot and its fields in order, [name, type] (f64 fields take two slots). */
export const BLOCKS = {
  // One product C = alpha·op(A)·op(B) + beta·C and how it is cut into tasks (axis 0: rows of C, 1:
  // columns; chunk rows or columns per task; packed: the operand every task reads whole, packed once).
  product: {
    first: 0,
    fields: [
      ['transA', 'i32'],
      ['transB', 'i32'],
      ['m', 'i32'],
      ['n', 'i32'],
      ['k', 'i32'],
      ['alpha', 'f32'],
      ['a', 'ptr'],
      ['lda', 'i32'],
      ['b', 'ptr'],
      ['ldb', 'i32'],
      ['beta', 'f32'],
      ['c', 'ptr'],
      ['ldc', 'i32'],
      ['axis', 'i32'],
      ['chunk', 'i32'],
      ['packed', 'ptr'],
      ['kind', 'i32'],
    ],
  },
  // A batch of products over the product block's operands, operand s `s·stride` bytes after the first;
  // chain 1 sums them into one C.
  batch: {
    first: 17,
    fields: [
      ['strideA', 'i32'],
      ['strideB', 'i32'],
      ['strideC', 'i32'],
      ['count', 'i32'],
      ['chain', 'i32'],
    ],
  },
  // Samples of a 1-D/2-D convolution, a sample per task (mode 0 forward, 1 adjoint). colsStride 0: each
  // thread's own column buffer. bias 0: none. pooled 0: no relu → max-pool epilogue.
  conv: {
    first: 17,
    fields: [
      ['mode', 'i32'],
      ['x', 'ptr'],
      ['xStride', 'i32'],
      ['cols', 'ptr'],
      ['colsStride', 'i32'],
      ['bias', 'ptr'],
      ['w', 'ptr'],
      ['y', 'ptr'],
      ['yStride', 'i32'],
      ['groups', 'i32'],
      ['cOutG', 'i32'],
      ['rowsG', 'i32'],
      ['positions', 'i32'],
      ['beta', 'f32'],
      ['geometry', 'geometry'],
      ['pooled', 'ptr'],
      ['indices', 'ptr'],
      ['unused', 'i32'],
      ['windowRows', 'i32'],
    ],
  },
  // A weight (and bias) gradient over `count` samples in partitions of `chunk`, this round's first
  // partition `first`. im2col 1: make the columns from x; biasParts 0: no bias gradient.
  weightGrad: {
    first: 17,
    fields: [
      ['im2col', 'i32'],
      ['x', 'ptr'],
      ['xStride', 'i32'],
      ['cols', 'ptr'],
      ['colsStride', 'i32'],
      ['biasParts', 'ptr'],
      ['parts', 'ptr'],
      ['y', 'ptr'],
      ['yStride', 'i32'],
      ['groups', 'i32'],
      ['cOutG', 'i32'],
      ['rowsG', 'i32'],
      ['positions', 'i32'],
      ['unused', 'i32'],
      ['geometry', 'geometry'],
      ['count', 'i32'],
      ['chunk', 'i32'],
      ['first', 'i32'],
    ],
  },
  // The backward of the fused relu → max-pool over windows of windowRows × 2, a sample per task.
  poolBackward: {
    first: 17,
    fields: [
      ['gradPooled', 'ptr'],
      ['pooled', 'ptr'],
      ['indices', 'ptr'],
      ['gradY', 'ptr'],
      ['channels', 'i32'],
      ['h', 'i32'],
      ['w', 'i32'],
      ['windowRows', 'i32'],
    ],
  },
  // One Adam update of `count` floats in slices of `chunk`, the scalars in f64.
  adam: {
    first: 17,
    fields: [
      ['param', 'ptr'],
      ['grad', 'ptr'],
      ['m', 'ptr'],
      ['v', 'ptr'],
      ['count', 'i32'],
      ['chunk', 'i32'],
      ['unused', 'i32'],
      ['sign', 'f64'],
      ['beta1', 'f64'],
      ['beta2', 'f64'],
      ['stepSize', 'f64'],
      ['bias2Sqrt', 'f64'],
      ['eps', 'f64'],
    ],
  },
};

/** A conv geometry as 13 slots: [C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, Hout, Wout]. */
export const GEOMETRY = ['channels', 'inH', 'inW', 'kH', 'kW', 'sH', 'sW', 'pH', 'pW', 'dH', 'dW', 'outH', 'outW'];

/** Every named slot: { block, name, type, slot } (slot in 4-byte words from the block's start). */
export function slotTable() {
  const table = [];
  for (const [block, { first, fields }] of Object.entries(BLOCKS)) {
    let slot = first;
    for (const [name, type] of fields) {
      if (type === 'f64' && slot % 2 === 1) throw new Error(`slots: ${block}.${name} (f64) must start on an even slot`);
      if (name !== 'unused') table.push({ block, name, type, slot });
      slot += type === 'f64' ? 2 : type === 'geometry' ? GEOMETRY.length : 1;
    }
  }
  return table;
}

/** Slots the block takes: the largest end of any block. */
export function blockSlots() {
  return Math.max(
    ...slotTable().map(({ type, slot }) => slot + (type === 'f64' ? 2 : type === 'geometry' ? GEOMETRY.length : 1)),
  );
}
