/**
 * Stage-2 loss (thesis eq. 3-16): FL = -eps_t * (1 - p_t)^gamma * log(p_t)
 * on independent per-class sigmoid outputs, averaged over pixels, classes and
 * the batch.
 *
 * eps_t = eps for a positive pixel, 1 - eps for a negative one. With
 * alpha = 'balanced' each class k gets eps_k from the batch's pixel counts
 * as eq. 3-13 prescribes: eps/(1-eps) = n/m, i.e. eps_k = n_k / (n_k + m_k)
 * with m_k positive and n_k negative pixels of class k. Positives, usually
 * rare, weigh as much in total as the negatives. eps is clipped to
 * [1 - maxEps, maxEps] (default 0.99) so a batch without any positive pixel
 * of a class still penalises false positives, and a class covering almost
 * the whole batch does not switch its negatives off. The weights are
 * constants (no gradient flows through the counts).
 */
import * as tf from '@tensorflow/tfjs'

export interface FocalOptions {
  /** Focusing parameter (thesis: 2). */
  gamma?: number
  /**
   * Per-class eps for positives (length K), 'balanced' (default, see above)
   * or 'none' (eps_t = 1: plain focal loss).
   */
  alpha?: number[] | 'balanced' | 'none'
  /** Clip of the balanced eps (0.5 < maxEps < 1). */
  maxEps?: number
}

const P_MIN = 1e-7

export function focalLoss(target: tf.Tensor4D, pred: tf.Tensor4D, opts: FocalOptions = {}): tf.Scalar {
  if (target.shape.join() !== pred.shape.join()) throw new Error(`focalLoss: shapes differ: target [${target.shape}] vs pred [${pred.shape}]`)
  const gamma = opts.gamma ?? 2
  const alpha = opts.alpha ?? 'balanced'
  const K = pred.shape[3]
  const maxEps = opts.maxEps ?? 0.99
  if (!(maxEps >= 0.5 && maxEps <= 1)) throw new Error(`focalLoss: maxEps must be in [0.5, 1], got ${maxEps}`)
  if (Array.isArray(alpha) && alpha.length !== K) throw new Error(`focalLoss: alpha has ${alpha.length} entries for ${K} classes`)
  return tf.tidy(() => {
    const y = tf.cast(target, 'float32')
    const p = tf.clipByValue(pred, P_MIN, 1 - P_MIN)
    // p_t = p where y = 1, 1 - p where y = 0 (targets are 0/1).
    const pt = tf.add(tf.mul(y, p), tf.mul(tf.sub(1, y), tf.sub(1, p)))
    // Square for the usual gamma 2: Pow and its gradient cost several times more on wasm.
    const modulating = gamma === 0 ? tf.onesLike(pt) : gamma === 2 ? tf.square(tf.sub(1, pt)) : tf.pow(tf.sub(1, pt), gamma)
    let loss = tf.mul(tf.neg(modulating), tf.log(pt))
    if (alpha !== 'none') {
      const eps = Array.isArray(alpha) ? tf.tensor1d(alpha) : balancedEps(y, maxEps)
      const epsT = tf.add(tf.mul(y, eps), tf.mul(tf.sub(1, y), tf.sub(1, eps)))
      loss = tf.mul(epsT, loss)
    }
    return tf.mean(loss) as tf.Scalar
  })
}

/** eps_k = n_k / (n_k + m_k) per class over the batch, clipped; shape [K]. */
export function balancedEps(target: tf.Tensor4D | tf.Tensor, maxEps = 0.99): tf.Tensor1D {
  return tf.tidy(() => {
    const y = tf.cast(target, 'float32')
    const positives = tf.sum(y, [0, 1, 2])
    const total = y.shape[0]! * y.shape[1]! * y.shape[2]!
    const eps = tf.div(tf.sub(total, positives), total)
    return tf.clipByValue(eps, 1 - maxEps, maxEps) as tf.Tensor1D
  })
}
