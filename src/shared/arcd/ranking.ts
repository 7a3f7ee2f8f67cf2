/**
 * Ranking metrics over scores split into positives and negatives: exact
 * AUROC, average precision and the best-F1 threshold. Equal scores are
 * grouped, so ties count half (AUROC) and move precision and recall together
 * (AP, the step sum sum_n (R_n - R_{n-1}) P_n of scikit-learn's
 * average_precision_score). Undefined values (no positives or no negatives)
 * are null, never NaN. The *Sorted forms take ascending arrays and copy
 * nothing, for the evaluator's millions of pixels.
 */

/** Copies and sorts ascending (numeric). */
function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>)
  out.sort()
  return out
}

type Sorted = Float32Array | Float64Array

/**
 * AUROC from ascending positive and negative scores, ties counting half.
 * Null when either side is empty.
 */
export function aurocSorted(pos: Sorted, neg: Sorted): number | null {
  const P = pos.length
  const N = neg.length
  if (P === 0 || N === 0) return null
  let below = 0 // negatives strictly below the current positive value
  let j = 0
  let sum = 0
  let i = 0
  while (i < P) {
    const v = pos[i]!
    let pc = 0
    while (i < P && pos[i] === v) {
      pc++
      i++
    }
    while (j < N && neg[j]! < v) {
      below++
      j++
    }
    let eq = 0
    let k = j
    while (k < N && neg[k] === v) {
      eq++
      k++
    }
    sum += pc * (below + 0.5 * eq)
  }
  return sum / P / N
}

/**
 * Walks thresholds from the highest distinct score down, calling `visit`
 * with the counts at or above each threshold.
 */
function walkThresholds(
  pos: Sorted,
  neg: Sorted,
  visit: (threshold: number, tp: number, fp: number) => void
): void {
  let i = pos.length - 1
  let j = neg.length - 1
  let tp = 0
  let fp = 0
  while (i >= 0 || j >= 0) {
    const pv = i >= 0 ? pos[i]! : -Infinity
    const nv = j >= 0 ? neg[j]! : -Infinity
    const v = pv > nv ? pv : nv
    while (i >= 0 && pos[i] === v) {
      tp++
      i--
    }
    while (j >= 0 && neg[j] === v) {
      fp++
      j--
    }
    visit(v, tp, fp)
  }
}

/** Average precision (step-wise, no interpolation). Null without positives. */
export function averagePrecisionSorted(pos: Sorted, neg: Sorted): number | null {
  const P = pos.length
  if (P === 0) return null
  let ap = 0
  let prevRecall = 0
  walkThresholds(pos, neg, (_t, tp, fp) => {
    const recall = tp / P
    if (recall > prevRecall) {
      ap += (recall - prevRecall) * (tp / (tp + fp))
      prevRecall = recall
    }
  })
  return ap
}

export interface F1Choice {
  threshold: number
  f1: number
  precision: number
  recall: number
}

/** The threshold t maximising F1 of "score >= t"; null without positives. Ties keep the higher t. */
export function bestF1ThresholdSorted(pos: Sorted, neg: Sorted): F1Choice | null {
  const P = pos.length
  if (P === 0) return null
  let best: F1Choice | null = null
  walkThresholds(pos, neg, (t, tp, fp) => {
    const f1 = (2 * tp) / (2 * tp + fp + (P - tp))
    if (best === null || f1 > best.f1) best = { threshold: t, f1, precision: tp / (tp + fp), recall: tp / P }
  })
  return best
}

/**
 * The lowest threshold (p >= t flags) that flags at most `share` of the
 * sorted background scores `neg`, ties included; above every score when
 * even the top one would flag too many.
 */
export function backgroundCapSorted(neg: Sorted, share: number): number {
  const n = neg.length
  if (n === 0) return 0
  let j = Math.max(0, Math.ceil((1 - share) * n))
  // A threshold at a tied value flags the whole tie: move past it.
  while (j > 0 && j < n && neg[j - 1] === neg[j]) j++
  if (j >= n) return neg[n - 1]! + 1e-6
  return neg[j]!
}

/**
 * The lowest threshold at which at most floor(share x n) of n frames reach
 * it, from their ascending peaks (a frame is marked where some pixel's
 * probability is at or above the threshold): just above the peak of the
 * next frame in line. -Infinity when the share allows every frame.
 */
export function frameCapSorted(peaks: Sorted, share: number): number {
  const n = peaks.length
  const allowed = Math.floor(share * n)
  if (allowed >= n) return -Infinity
  return nextAbove(peaks[n - 1 - allowed]!)
}

/** The smallest double above a finite v: a threshold that leaves v itself out and nothing else. */
export function nextAbove(v: number): number {
  if (v === -Infinity) return -Number.MAX_VALUE
  if (v === 0) return Number.MIN_VALUE
  const bits = new BigInt64Array(Float64Array.of(v).buffer)
  bits[0]! += v > 0 ? 1n : -1n
  return new Float64Array(bits.buffer)[0]!
}

function splitByLabel(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): [Float64Array, Float64Array] {
  if (scores.length !== labels.length) {
    throw new Error(`scores (${scores.length}) and labels (${labels.length}) differ in length`)
  }
  const pos: number[] = []
  const neg: number[] = []
  for (let k = 0; k < scores.length; k++) {
    const s = scores[k]!
    if (Number.isNaN(s)) throw new Error(`score ${k} is NaN`)
    if (labels[k]) pos.push(s)
    else neg.push(s)
  }
  return [sortedCopy(pos), sortedCopy(neg)]
}

/** Exact AUROC of unsorted scores with 0/1 (or boolean) labels; null when one class is absent. */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number | null {
  const [pos, neg] = splitByLabel(scores, labels)
  return aurocSorted(pos, neg)
}

export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number | null {
  const [pos, neg] = splitByLabel(scores, labels)
  return averagePrecisionSorted(pos, neg)
}

export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): F1Choice | null {
  const [pos, neg] = splitByLabel(scores, labels)
  return bestF1ThresholdSorted(pos, neg)
}
