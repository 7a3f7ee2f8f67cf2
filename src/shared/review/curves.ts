/**
 * ROC and precision-recall curves of one class from its pixel histogram
 * (histogram.ts, summed over the frames of interest). Every stored byte is a
 * threshold (./mapCode.ts), so the curves are exact for the stored maps: AUROC by the
 * trapezoid rule equals the rank statistic with ties counting half, and AP
 * is the step sum sum_n (R_n - R_{n-1}) P_n, the same definitions as
 * src/shared/arcd/metrics.ts (its tests check the two agree).
 */
import { BINS, countsAt } from './histogram'
import { levelProbability, thresholdByte } from './mapCode'

export interface CurvePoint {
  /** Threshold (the probability of a stored byte) the point is taken at: predicted = probability >= threshold. */
  threshold: number
  fpr: number
  tpr: number
  /** Null where nothing is predicted (0/0). */
  precision: number | null
}

export interface OperatingPoint extends CurvePoint {
  tp: number
  fp: number
  fn: number
}

export interface ClassCurves {
  /** Labelled (positive) and other (negative) pixels. */
  positives: number
  negatives: number
  /** From the highest threshold (nothing predicted) to 0 (everything), only where a count changes. */
  points: CurvePoint[]
  auroc: number | null
  ap: number | null
  operating: OperatingPoint
}

export function curvesFromHistogram(h: ArrayLike<number>, threshold: number): ClassCurves {
  let P = 0
  let N = 0
  for (let k = 0; k < BINS; k++) {
    N += h[k]!
    P += h[BINS + k]!
  }
  const points: CurvePoint[] = [{ threshold: levelProbability(BINS), fpr: 0, tpr: 0, precision: null }]
  let tp = 0
  let fp = 0
  let auc = 0
  let ap = 0
  let prevFpr = 0
  let prevTpr = 0
  for (let b = BINS - 1; b >= 0; b--) {
    const dp = h[BINS + b]!
    const dn = h[b]!
    if (dp === 0 && dn === 0) continue
    tp += dp
    fp += dn
    const tpr = P > 0 ? tp / P : 0
    const fpr = N > 0 ? fp / N : 0
    auc += ((fpr - prevFpr) * (tpr + prevTpr)) / 2
    const precision = tp / (tp + fp)
    ap += (tpr - prevTpr) * precision
    points.push({ threshold: levelProbability(b), fpr, tpr, precision })
    prevFpr = fpr
    prevTpr = tpr
  }
  const c = countsAt(h, threshold)
  const b = thresholdByte(threshold)
  return {
    positives: P,
    negatives: N,
    points,
    auroc: P > 0 && N > 0 ? auc : null,
    ap: P > 0 ? ap : null,
    operating: {
      threshold: levelProbability(b),
      fpr: N > 0 ? c.fp / N : 0,
      tpr: P > 0 ? c.tp / P : 0,
      precision: c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : null,
      tp: c.tp,
      fp: c.fp,
      fn: c.fn
    }
  }
}
