import * as tf from '@tensorflow/tfjs'

/**
 * wasm's native OneHot writes int32 bits whatever the dtype, so a float32
 * one-hot comes out as denormal zeros. This builds it from equal() instead
 * and is registered for wasm in place of the native kernel.
 */
export function oneHotImpl(indices: tf.Tensor, depth: number, onValue: number, offValue: number, dtype: tf.DataType): tf.Tensor {
  if (!Number.isInteger(depth) || depth < 0) throw new Error(`OneHot: depth must be a non-negative integer, got ${depth}`)
  return tf.tidy(() => {
    const hit = tf.equal(indices.toInt().expandDims(-1), tf.range(0, depth, 1, 'int32'))
    const out = tf.where(hit, tf.scalar(onValue, 'float32'), tf.scalar(offValue, 'float32'))
    return dtype === 'float32' ? out : out.cast(dtype)
  })
}
