import * as tf from '@tensorflow/tfjs'

/**
 * Kernel inputs arrive as TensorInfo. Ops always pass real Tensors, but a
 * backend may call a kernel with bare infos; Identity then makes a Tensor that
 * holds its own reference, so disposing it never frees the caller's data.
 */
export function asTensor<R extends tf.Rank = tf.Rank>(info: tf.TensorInfo | undefined, name: string): tf.Tensor<R> {
  if (info === undefined) throw new Error(`Kernel input '${name}' is missing`)
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>
  // runKernel's input type says Tensor but it only reads dataId/shape/dtype.
  return tf.engine().runKernel(tf.Identity, { x: info as tf.Tensor }) as tf.Tensor<R>
}

/** Expands TF.js's `number | [number, number]` stride/dilation attributes. */
export function pair(v: number | [number, number] | number[] | undefined, fallback = 1): [number, number] {
  if (v === undefined) return [fallback, fallback]
  if (typeof v === 'number') return [v, v]
  const [a, b] = v
  return [a ?? fallback, b ?? a ?? fallback]
}

export function assertChannelsLast(dataFormat: string | undefined, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on wasm supports NHWC only (the wasm forward convolutions do too); got dataFormat '${dataFormat}'`)
  }
}
