import * as tf from '@tensorflow/tfjs'
import { heapBackend } from './heap'
import { interleaveConcat, interleaves, interleaveSplit } from './interleave'

/**
 * Slice, SplitV, Unpack and Concat for wasm that copy straight on the wasm heap.
 * The stock wasm Slice first copies the WHOLE input out of the heap
 * (readSync) and only then picks the slice, so every slice, every split of a
 * concat gradient and every unstack costs a full extra pass over its input.
 */

/**
 * Copies x[begin : begin + size] into a new tensor of shape `outShape`
 * (same element count as `size`). Trailing axes taken whole are merged, so
 * each copy is one contiguous run as long as possible.
 */
export function copySlice(backend: unknown, x: tf.TensorInfo, begin: number[], size: number[], outShape: number[] = size): tf.TensorInfo {
  const b = heapBackend(backend)
  if (x.dtype === 'string') throw new Error('fast slice does not handle string tensors')
  const shape = x.shape
  const rank = shape.length
  // Allocate first: a heap growth detaches views taken earlier.
  const out = b.makeOutput(outShape, x.dtype)
  const total = size.reduce((a, v) => a * v, 1)
  if (total === 0) return out
  const src = b.typedArrayFromHeap(x)
  const dst = b.typedArrayFromHeap(out)
  if (rank === 0) {
    dst.set(src)
    return out
  }
  let k = rank - 1
  let inner = 1
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) {
    inner *= shape[k]!
    k--
  }
  const run = size[k]! * inner
  const strides: number[] = new Array<number>(rank).fill(1)
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!
  const base = begin.reduce((acc, v, i) => acc + v * strides[i]!, 0)
  if (k === 0) {
    dst.set(src.subarray(base, base + run))
    return out
  }
  // Odometer over axes [0, k).
  const idx = new Array<number>(k).fill(0)
  let outOffset = 0
  for (;;) {
    let off = base
    for (let i = 0; i < k; i++) off += idx[i]! * strides[i]!
    copyRun(src, off, dst, outOffset, run)
    outOffset += run
    let a = k - 1
    while (a >= 0) {
      idx[a]!++
      if (idx[a]! < size[a]!) break
      idx[a] = 0
      a--
    }
    if (a < 0) break
  }
  return out
}

/**
 * Below this many elements a plain loop beats subarray + set, which allocates
 * a view per call: a channel split of an NHWC tensor copies runs of a few
 * channels per pixel.
 */
const SHORT_RUN = 48

type Elements = Float32Array | Int32Array | Uint8Array

function copyRun(src: Elements, from: number, dst: Elements, to: number, n: number): void {
  if (n >= SHORT_RUN) dst.set(src.subarray(from, from + n), to)
  else for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!
}

/**
 * Concat for wasm straight on the heap. The stock kernel copies each
 * (outer index, input) run with subarray + set: for a channel concat of NHWC
 * tensors (U-Net skip connections) that is one tiny copy per pixel. Equal
 * short parts go through one transpose (kernels/interleave.ts), as does
 * SplitV's split into equal parts.
 */
export const fastConcat: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const list = Object.keys(inputs)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => inputs[k]!)
  const first = list[0]
  if (first === undefined) throw new Error('Concat: no inputs')
  if (list.some((t) => t.dtype === 'string' || t.dtype !== first.dtype)) throw new Error('fast concat handles numeric tensors of one dtype only')
  const axis = tf.util.parseAxisParam((attrs as unknown as tf.ConcatAttrs).axis, first.shape)[0]!
  const shapes = list.map((t) => t.shape)
  tf.backend_util.assertParamsConsistent(shapes, axis)
  const outShape = tf.backend_util.computeOutShape(shapes, axis)
  const b = heapBackend(backend)
  const outer = tf.util.sizeFromShape(first.shape.slice(0, axis))
  const inner = list.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)))
  if (inner.every((n) => n === inner[0]) && interleaves(list.length, outer, inner[0]!, first.dtype)) {
    return interleaveConcat(backend, list, outer, inner[0]!, outShape)
  }
  const out = b.makeOutput(outShape, first.dtype)
  const total = inner.reduce((a, v) => a + v, 0)
  if (outer * total === 0) return out
  const dst = b.typedArrayFromHeap(out)
  list.forEach((t, i) => {
    const n = inner[i]!
    if (n === 0) return
    const src = b.typedArrayFromHeap(t)
    let to = inner.slice(0, i).reduce((a, v) => a + v, 0)
    for (let o = 0, from = 0; o < outer; o++, from += n, to += total) copyRun(src, from, dst, to, n)
  })
  return out
}

export const fastSlice: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs.x
  if (x === undefined) throw new Error('Slice: input x is missing')
  const a = attrs as unknown as tf.SliceAttrs
  // parseSliceParams only reads x.shape; TensorInfo is enough.
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, a.begin, a.size) as [number[], number[]]
  tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size)
  return copySlice(backend, x, begin, size)
}

export const fastSplitV: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs.x
  if (x === undefined) throw new Error('SplitV: input x is missing')
  const a = attrs as unknown as tf.SplitVAttrs
  const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis)
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axis))
  const run = sizes[0]! * tf.util.sizeFromShape(x.shape.slice(axis + 1))
  if (sizes.every((s) => s === sizes[0]) && interleaves(sizes.length, outer, run, x.dtype)) {
    const partShape = [...x.shape]
    partShape[axis] = sizes[0]!
    return interleaveSplit(backend, x, sizes.length, outer, run, partShape)
  }
  const begin = new Array<number>(x.shape.length).fill(0)
  return sizes.map((s) => {
    const size = [...x.shape]
    size[axis] = s
    const part = copySlice(backend, x, [...begin], size)
    begin[axis]! += s
    return part
  })
}

export const fastUnpack: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs.value
  if (x === undefined) throw new Error('Unpack: input value is missing')
  const a = attrs as unknown as tf.UnpackAttrs
  const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!
  const outShape = x.shape.filter((_, i) => i !== axis)
  const size = [...x.shape]
  size[axis] = 1
  return Array.from({ length: x.shape[axis]! }, (_, i) => {
    const begin = new Array<number>(x.shape.length).fill(0)
    begin[axis] = i
    return copySlice(backend, x, begin, size, outShape)
  })
}
