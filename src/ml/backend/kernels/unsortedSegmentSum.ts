import * as tf from '@tensorflow/tfjs'

/**
 * out[s, ...] = sum of x[i, ...] over i with segmentIds[i] == s, as
 * oneHot(ids)^T . x. Ids outside [0, numSegments) contribute nothing.
 * Needed by the gradient of gather on wasm.
 */
export function unsortedSegmentSumImpl(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`)
  }
  const idsRank = segmentIds.rank
  const lead = x.shape.slice(0, idsRank)
  if (lead.join(',') !== segmentIds.shape.join(',')) {
    throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must prefix x shape [${x.shape}]`)
  }
  const rest = x.shape.slice(idsRank)
  const n = segmentIds.size
  const width = rest.reduce((a, b) => a * b, 1)
  return tf.tidy(() => {
    const ids = segmentIds.reshape([n]).toInt()
    // Built from equal() rather than oneHot: wasm's OneHot ignores dtype 'float32'.
    const select = tf.equal(tf.range(0, numSegments, 1, 'int32').reshape([numSegments, 1]), ids.reshape([1, n])).toFloat()
    const xf = x.dtype === 'float32' ? x : x.toFloat()
    const out = tf.matMul(select, xf.reshape([n, width])).reshape([numSegments, ...rest])
    return x.dtype === 'int32' ? out.round().toInt() : out
  })
}
