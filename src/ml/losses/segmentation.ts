/**
 * Stage-2 losses on independent per-class sigmoid maps (see LossKind in
 * shared/arcd/config.ts for when each is used).
 *
 * Soft Dice is computed per class over the whole batch (not per image), so
 * a crop without a defect does not produce a 0/0 term, and averaged over the
 * classes present in the batch's targets: a class absent from the batch gets
 * cross-entropy (or focal) alone. Its Dice term would be about its summed
 * probability, whose gradient (about 1 per pixel against cross-entropy's
 * p / n) drove the rarest class's map to zero: on magnetic-tile the U-Net's
 * Blowhole output ended near 5e-6 everywhere (pixel AP 1.9) in two runs of
 * 3,600-4,400 steps, one of which had it at AP 66 after a quarter of them.
 */
import * as tf from '@tensorflow/tfjs'
import type { LossKind } from '../../shared/arcd/config'
import { focalLoss } from './focal'

const P_MIN = 1e-7

/**
 * Least share of a batch's target elements the focal term is normalised by.
 * A batch whose defect crops hold only a few positive pixels (a thin edge
 * of a Break, say) once divided the whole batch's background loss by ~50:
 * a loss of 21 against 2 on magnetic-tile, after which Adam's second moments
 * held the step size near zero and validation AP fell from 0.049 to 0.011
 * for good. 0.2% is about a typical batch's positive share there (half the
 * crops centred on a defect of a few hundred pixels, five classes), so
 * ordinary batches still divide by their own count.
 */
export const POSITIVE_FLOOR = 0.002

export interface SegmentationLossOptions {
  kind: LossKind
  gamma: number
  /** Positive weight of 'focal-dice' (0..1). */
  alpha: number
  diceWeight: number
  /** Weight of hardNegativeLoss beside 'bce-dice' (0: none). */
  hardNegativeWeight?: number
}

export function softDice(target: tf.Tensor4D, pred: tf.Tensor4D, smooth = 1): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(target, 'float32')
    const inter = tf.sum(tf.mul(y, pred), [0, 1, 2])
    const positives = tf.sum(y, [0, 1, 2])
    const denom = tf.add(positives, tf.sum(pred, [0, 1, 2]))
    const dice = tf.div(tf.add(tf.mul(2, inter), smooth), tf.add(denom, smooth))
    const present = tf.cast(tf.greater(positives, 0), 'float32')
    // No class present: 0, with no gradient.
    return tf.div(tf.sum(tf.mul(present, tf.sub(1, dice))), tf.maximum(tf.sum(present), 1)) as tf.Scalar
  })
}

/**
 * Confident false positives: the cross-entropy of every background pixel a
 * class fires on (logit >= 0), divided per class by that class's positive
 * pixels in the batch (never fewer than POSITIVE_FLOOR of its pixels), and
 * averaged over the classes.
 *
 * Mean cross-entropy gives a wrongly fired background pixel 1/n of the
 * batch's weight, while Dice pulls each labelled pixel with about
 * 1/positives, a hundred times more at 64 px crops. On the demo's 9
 * labelled frames the default ARCD ended with background logits up to 30,
 * above the cracks' own median, and best-F1 thresholds of 0.99998 that the
 * review's linear 8-bit maps of the time could not hold; with this term at weight 1 a fired
 * background pixel weighs what a missed positive does, and the same
 * training ended with thresholds of 0.91 and 0.70 and no fold on a
 * defect-free frame. On magnetic-tile's subtle defects it kept ARCD from
 * learning at all (mean pixel AP 0.6), so it is a setting, off by default
 * (docs/experiments.md, fourteenth measurement). Pixels below 0 are left to
 * cross-entropy: pressing on every background pixel, as Dice on an absent
 * class does, drove a rare class's whole map to zero (see softDice).
 */
export function hardNegativeLoss(target: tf.Tensor4D, logits: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(target, 'float32')
    // GreaterEqual's gradient is zero: the mask only selects.
    const fired = tf.mul(tf.cast(tf.greaterEqual(logits, 0), 'float32'), tf.sub(1, y))
    const perClass = tf.sum(tf.mul(fired, softplus(logits)), [0, 1, 2])
    const pixels = target.size / target.shape[3]
    const positives = tf.maximum(tf.sum(y, [0, 1, 2]), POSITIVE_FLOOR * pixels)
    return tf.mean(tf.div(perClass, positives)) as tf.Scalar
  })
}

/** log(1 + e^z), stable at any z: a background pixel's cross-entropy from its logit. */
function softplus(logits: tf.Tensor4D): tf.Tensor4D {
  return tf.add(tf.relu(logits), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))
}

export function bce(target: tf.Tensor4D, pred: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(target, 'float32')
    const p = tf.clipByValue(pred, P_MIN, 1 - P_MIN)
    const l = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))
    return tf.neg(tf.mean(l)) as tf.Scalar
  })
}

export function segmentationLoss(target: tf.Tensor4D, pred: tf.Tensor4D, opts: SegmentationLossOptions): tf.Scalar {
  return tf.tidy(() => {
    const K = pred.shape[3]
    switch (opts.kind) {
      case 'focal-batch':
        return focalLoss(target, pred, { gamma: opts.gamma, alpha: 'balanced' })
      case 'bce-dice':
        return tf.add(bce(target, pred), tf.mul(opts.diceWeight, softDice(target, pred))) as tf.Scalar
      case 'focal-dice': {
        // Normalised by the positive pixels, as RetinaNet does, not by all
        // pixels: the (1-p_t)^gamma factor makes the easy background's terms
        // tiny, and a mean over every pixel would leave the defects' terms
        // too small to compete with Dice. Never by fewer than POSITIVE_FLOOR
        // of them (see there).
        const focal = focalLoss(target, pred, { gamma: opts.gamma, alpha: new Array<number>(K).fill(opts.alpha) })
        const positives = tf.maximum(POSITIVE_FLOOR * target.size, tf.sum(tf.cast(target, 'float32')))
        const perPositive = tf.div(tf.mul(focal, target.size), positives)
        return tf.add(perPositive, tf.mul(opts.diceWeight, softDice(target, pred))) as tf.Scalar
      }
      default:
        throw new Error(`unknown loss ${String(opts.kind)}`)
    }
  })
}

/**
 * The stage-2 loss from the network's logits, which is how training calls it.
 * Cross-entropy comes straight from the logits (max(z, 0) - z y +
 * log(1 + e^-|z|)), so its gradient stays p - y however far a class's
 * sigmoid has saturated; on clipped probabilities it is 0 below P_MIN, and a
 * rare class pushed there by its negatives never comes back (ARCD's Blowhole
 * output did, on magnetic-tile). The focal losses take the probabilities as
 * before: their (1 - p_t)^gamma factor stops the negatives well short of that.
 */
export function segmentationLossFromLogits(target: tf.Tensor4D, logits: tf.Tensor4D, opts: SegmentationLossOptions): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.sigmoid(logits)
    if (opts.kind !== 'bce-dice') return segmentationLoss(target, p, opts)
    const y = tf.cast(target, 'float32')
    const ce = tf.mean(tf.sub(softplus(logits), tf.mul(logits, y)))
    const loss = tf.add(ce, tf.mul(opts.diceWeight, softDice(target, p)))
    const hard = opts.hardNegativeWeight ?? 0
    return (hard > 0 ? tf.add(loss, tf.mul(hard, hardNegativeLoss(target, logits))) : loss) as tf.Scalar
  })
}
