import type * as tf from '@tensorflow/tfjs'

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void
}

/**
 * Identity that shares the input's buffer (one more reference) instead of
 * copying it, as the cpu backend does. TF.js runs Identity for every tensor
 * a gradient saves (engine.clone), so the stock wasm kernel copied each
 * activation of a training step once more. Tensors are immutable and wasm
 * frees a buffer only when its last reference goes, so sharing is safe.
 */
export const identityNoCopy: tf.KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x
  if (x === undefined) throw new Error('Identity: input x is missing')
  const b = backend as Partial<RefCountingBackend>
  if (typeof b.incRef !== 'function') throw new Error('Identity: backend does not count references')
  b.incRef(x.dataId)
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
}
