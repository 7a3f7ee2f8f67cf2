/**
 * Stage-1 loss (thesis 3.3.3): L2 + 0.01*(1 - SSIM), with L2 the MEAN squared
 * error (eq. 3-3 writes a sum; the mean keeps the 0.01 balance independent of
 * the image size and batch, and is what eq. 4-9's RA values imply).
 */
import * as tf from '@tensorflow/tfjs'
import { ssim } from './ssim'

export const SSIM_WEIGHT = 0.01

/** `ssimWeight`: the thesis's 0.01 by default; DRAEM weighs SSIM 1 (a setting, TrainConfig.ssimWeight). */
export function reconstructionLoss(target: tf.Tensor4D, pred: tf.Tensor4D, ssimWeight = SSIM_WEIGHT): tf.Scalar {
  return tf.tidy(() => {
    const { total } = reconstructionLossParts(target, pred, ssimWeight)
    return total
  })
}

/** The loss and its two terms (for logging and RA); the caller disposes all three. */
export function reconstructionLossParts(
  target: tf.Tensor4D,
  pred: tf.Tensor4D,
  ssimWeight = SSIM_WEIGHT
): { total: tf.Scalar; l2: tf.Scalar; ssim: tf.Scalar } {
  const l2 = tf.tidy(() => tf.mean(tf.squaredDifference(target, pred)) as tf.Scalar)
  const s = ssim(target, pred)
  const total = tf.tidy(() => tf.add(l2, tf.mul(ssimWeight, tf.sub(1, s))) as tf.Scalar)
  return { total, l2, ssim: s }
}

/** Thesis eq. 4-9: RA = exp(-10000 * (L2 + 0.01*(1 - SSIM))), in (0, 1], 1 = perfect. */
export function reconstructionAccuracy(l2: number, ssimValue: number): number {
  return Math.exp(-10000 * (l2 + SSIM_WEIGHT * (1 - ssimValue)))
}
