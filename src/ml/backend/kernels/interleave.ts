import * as tf from '@tensorflow/tfjs'
import { heapBackend } from './heap'

/**
 * Concat and split of equal parts along an axis with short runs (a U-Net's
 * skip concat of two NHWC tensors of 8-32 channels, and its gradient's
 * split) as one transpose on the wasm heap. Concatenating n tensors of
 * [outer, w] along the last axis is transposing their stack [n, outer, w]
 * to [outer, n, w]; a split is the reverse. Run by run in JavaScript that is
 * one short loop per pixel (about 3x slower at the bench U-Net's shapes);
 * the stacking and the per-part copies here are whole contiguous blocks.
 */

/** Runs shorter than this take the transpose; longer ones copy fast enough with subarray + set. */
export const INTERLEAVE_MAX_RUN = 48

/** Whether `parts` equal runs of `run` elements, repeated `outer` times, are worth one transpose. */
export function interleaves(parts: number, outer: number, run: number, dtype: tf.DataType): boolean {
  return dtype === 'float32' && parts > 1 && outer > 1 && run > 0 && run < INTERLEAVE_MAX_RUN
}

function transposeKernel(): tf.KernelFunc {
  const k = tf.getKernel(tf.Transpose, tf.getBackend())
  if (k === undefined) throw new Error(`no Transpose kernel on backend '${tf.getBackend()}'`)
  return k.kernelFunc
}

/** The concat of `list` (each [outer, run] in memory) as [outer, parts, run], returned with `outShape`. */
export function interleaveConcat(backend: unknown, list: tf.TensorInfo[], outer: number, run: number, outShape: number[]): tf.TensorInfo {
  const b = heapBackend(backend)
  const dtype = list[0]!.dtype
  const stacked = b.makeOutput([list.length, outer, run], dtype)
  const dst = b.typedArrayFromHeap(stacked)
  list.forEach((t, i) => dst.set(b.typedArrayFromHeap(t), i * outer * run))
  const out = transposeKernel()({ inputs: { x: stacked }, backend: backend as tf.KernelBackend, attrs: { perm: [1, 0, 2] } }) as tf.TensorInfo
  b.disposeData(stacked.dataId)
  return { dataId: out.dataId, shape: outShape, dtype }
}

/** `x` (laid out [outer, parts, run]) split into `parts` tensors of `partShape`. */
export function interleaveSplit(backend: unknown, x: tf.TensorInfo, parts: number, outer: number, run: number, partShape: number[]): tf.TensorInfo[] {
  const b = heapBackend(backend)
  const view: tf.TensorInfo = { dataId: x.dataId, shape: [outer, parts, run], dtype: x.dtype }
  const t = transposeKernel()({ inputs: { x: view }, backend: backend as tf.KernelBackend, attrs: { perm: [1, 0, 2] } }) as tf.TensorInfo
  const block = outer * run
  const out = Array.from({ length: parts }, () => b.makeOutput(partShape, x.dtype))
  // Views after every allocation: a heap growth detaches views taken earlier.
  const src = b.typedArrayFromHeap(t)
  out.forEach((o, i) => b.typedArrayFromHeap(o).set(src.subarray(i * block, (i + 1) * block)))
  b.disposeData(t.dataId)
  return out
}
