/**
 * How a stored probability map holds a probability in one byte: evenly in
 * logit over [-LOGIT_RANGE, LOGIT_RANGE], byte b standing for logit
 * -16 + 32 b / 255 (a step of 0.125 logit), with bytes 0 and 255 read as 0
 * and 1. A linear byte (probability x 255) spans a factor of ten in the odds
 * near 0 and 1, where over-confident models put their thresholds: at 0.99998
 * the review cut every pixel above 0.998 and marked most defect-free demo
 * frames (docs/experiments.md, fourteenth measurement). On this scale a
 * threshold and the cut the review makes from the bytes are at most half a
 * step apart anywhere a float32 probability differs from 0 and 1.
 *
 * Everything that turns bytes into decisions (histograms, masks, the joint
 * table) compares bytes with thresholdByte(t): the code is strictly
 * increasing, so "byte >= thresholdByte(t)" is "PROB_OF_BYTE[byte] >= t" and
 * bytes compare as their probabilities do.
 */

export const LOGIT_RANGE = 16
/** Logits between neighbouring bytes. */
export const LOGIT_STEP = (2 * LOGIT_RANGE) / 255
/** Threshold levels: bytes 0..255, and 256 for "nothing". */
export const LEVELS = 256

/** The byte that holds probability p (NaN and p <= 0 give 0, p >= 1 gives 255). */
export function encodeProbability(p: number): number {
  if (!(p > 0)) return 0
  if (p >= 1) return 255
  const z = Math.log(p) - Math.log1p(-p)
  const b = Math.round((z + LOGIT_RANGE) / LOGIT_STEP)
  return b < 0 ? 0 : b > 255 ? 255 : b
}

/** The logit byte b stands for (bytes 0 and 255 are read as probabilities 0 and 1, beyond it). */
export function levelLogit(b: number): number {
  return -LOGIT_RANGE + b * LOGIT_STEP
}

/** The probability each byte stands for; strictly increasing, 0 and 1 at the ends. */
export const PROB_OF_BYTE: Float64Array = (() => {
  const out = new Float64Array(LEVELS)
  for (let b = 1; b < 255; b++) out[b] = 1 / (1 + Math.exp(-levelLogit(b)))
  out[255] = 1
  return out
})()

/** The smallest byte b with PROB_OF_BYTE[b] >= t: 0 for t <= 0, 256 (nothing) for t > 1. */
export function thresholdByte(t: number): number {
  if (!Number.isFinite(t)) throw new RangeError(`threshold must be a finite number, got ${t}`)
  if (t <= 0) return 0
  if (t > 1) return LEVELS
  let lo = 0
  let hi = 255
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (PROB_OF_BYTE[mid]! >= t) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** The threshold of a level: its byte's probability, above every probability for 256 (nothing predicted). */
export function levelProbability(b: number): number {
  return b >= LEVELS ? 256 / 255 : PROB_OF_BYTE[Math.max(0, b)]!
}

/**
 * Linear bytes (probability x 255, the maps written before this code) to
 * this code. Several mid-range linear bytes share a byte here; the tails,
 * where thresholds of over-confident models sit, keep every level.
 */
export const CODE_OF_LINEAR: Uint8Array = Uint8Array.from({ length: 256 }, (_, b) => encodeProbability(b / 255))

/** Probability x 255 of each byte, for displays that show probability linearly. */
export const LINEAR_OF_CODE: Uint8Array = Uint8Array.from(PROB_OF_BYTE, (p) => Math.round(p * 255))

/** Applies a 256-entry table to bytes in place. */
export function remapBytes(data: Uint8Array, table: Uint8Array): Uint8Array {
  for (let i = 0; i < data.length; i++) data[i] = table[data[i]!]!
  return data
}
