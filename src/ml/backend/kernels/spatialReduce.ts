import * as tf from '@tensorflow/tfjs'
import { heapBackend } from './heap'

/**
 * Largest window pooled. TF.js keeps one XNNPACK operator per window size
 * for good, holding a pointer per window pixel: training's few fixed crop
 * sizes cost nothing, but whole frames of every size would pile up, so
 * larger windows take the stock path.
 */
export const MAX_POOLED_PIXELS = 256 * 256

/**
 * Sum and Mean of an NHWC float32 tensor over its spatial axes, with or
 * without the batch axis: a bias's gradient, batch norm's moments and their
 * gradients, global pooling. The stock wasm kernels first transpose the
 * reduced axes to the end (a strided copy of the whole tensor) and then add
 * up each channel's run in one float32 sum. XNNPACK's average pooling over
 * the whole image reads the tensor once, in place: at a U-Net's gradient
 * shapes about 9x faster, and, adding in partial sums, about 10x closer to a
 * float64 sum. The images' results are then added in float64. Every other
 * reduction goes to `fallback`.
 */
export function spatialReduceKernel(kind: 'sum' | 'mean', fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x
    if (x === undefined) throw new Error(`${kind}: input x is missing`)
    const a = args.attrs as unknown as tf.SumAttrs
    if (x.dtype !== 'float32' || x.shape.length !== 4) return fallback(args)
    const axes = tf.util
      .parseAxisParam(a.axis, x.shape)
      .sort((p, q) => p - q)
      .join()
    const withBatch = axes === '0,1,2'
    if (!withBatch && axes !== '1,2') return fallback(args)
    const [n, h, w, c] = x.shape as [number, number, number, number]
    // XNNPACK has no 1x1 pooling, and an empty tensor has nothing to pool.
    if (h * w < 2 || h * w > MAX_POOLED_PIXELS || n * c === 0) return fallback(args)
    const backend = args.backend as tf.KernelBackend
    const pool = tf.getKernel(tf.AvgPool, tf.getBackend())
    if (pool === undefined) throw new Error(`no AvgPool kernel on backend '${tf.getBackend()}'`)
    const means = pool.kernelFunc({
      inputs: { x },
      backend,
      attrs: { filterSize: [h, w], strides: [h, w], pad: 'valid' }
    }) as tf.TensorInfo
    const b = heapBackend(backend)
    const scale = kind === 'sum' ? h * w : 1
    if (!withBatch) {
      if (scale !== 1) {
        const m = b.typedArrayFromHeap(means)
        for (let i = 0; i < m.length; i++) m[i] = m[i]! * scale
      }
      return { dataId: means.dataId, shape: a.keepDims ? [n, 1, 1, c] : [n, c], dtype: 'float32' }
    }
    const out = b.makeOutput(a.keepDims ? [1, 1, 1, c] : [c], 'float32')
    // Views after the allocation: a heap growth detaches views taken earlier.
    const m = b.typedArrayFromHeap(means)
    const acc = new Float64Array(c)
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) acc[j] = acc[j]! + m[i * c + j]!
    const dst = b.typedArrayFromHeap(out)
    for (let j = 0; j < c; j++) dst[j] = kind === 'sum' ? acc[j]! * scale : acc[j]! / n
    b.disposeData(means.dataId)
    return out
  }
}
