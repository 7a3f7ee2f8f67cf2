import type * as tf from '@tensorflow/tfjs'
import { heapBackend } from './heap'

/**
 * Tile by block copies. TF.js's batch-norm gradient tiles a [1,1,1,C]
 * vector to the whole activation for every BN layer of every step; the
 * stock wasm kernel walks the output element by element and was the single
 * most expensive kernel of a U-Net training step (about 30% of it). Here
 * each dimension, innermost first, repeats whole contiguous blocks with
 * TypedArray.copyWithin, so the work is a few memcpys of the output.
 */
export const fastTile: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x
  if (x === undefined) throw new Error('Tile: input x is missing')
  const reps = (attrs as unknown as tf.TileAttrs).reps
  if (reps.length !== x.shape.length) throw new Error(`Tile: reps [${reps}] must have the rank of x [${x.shape}]`)
  const b = heapBackend(backend)
  const outShape = x.shape.map((d, i) => d * reps[i]!)
  const out = b.makeOutput(outShape, x.dtype)
  const total = outShape.reduce((p, d) => p * d, 1)
  if (total === 0) return out
  const src = b.typedArrayFromHeap(x)
  const dst = b.typedArrayFromHeap(out)
  const n = x.shape.length
  // Work in dst itself: the input sits in the first prod(shape) slots laid out
  // as x's own shape; each pass widens dimension i in place, outer blocks last
  // to first so nothing is overwritten before it is copied.
  const shape = x.shape.slice()
  dst.set(src.subarray(0, x.shape.reduce((p, d) => p * d, 1)), 0)
  for (let i = n - 1; i >= 0; i--) {
    const r = reps[i]!
    if (r === 1) continue
    let inner = 1
    for (let k = i; k < n; k++) inner *= shape[k]!
    let outer = 1
    for (let k = 0; k < i; k++) outer *= shape[k]!
    for (let o = outer - 1; o >= 0; o--) {
      const from = o * inner
      const to = o * inner * r
      if (to !== from) dst.copyWithin(to, from, from + inner)
      for (let k = 1; k < r; k++) dst.copyWithin(to + k * inner, to, to + inner)
    }
    shape[i] = shape[i]! * r
  }
  return out
}
