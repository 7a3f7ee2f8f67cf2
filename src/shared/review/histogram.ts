/**
 * Per-frame, per-class review statistics as two 256-bin histograms of the
 * class's stored probability map (the bytes of ./mapCode.ts that the
 * inference writes): one over the pixels outside every label of the class,
 * one over the pixels inside. Every count the review shows follows from them
 * at any threshold without decoding a map again:
 *
 *   predicted          = pixels with byte >= b          (b = thresholdByte(t))
 *   predicted outside  = outside pixels with byte >= b   (pixel false positives)
 *   labelled missed    = inside pixels with byte < b     (pixel false negatives)
 *
 * These are per class, independent of the other classes. Under the one
 * threshold rule (src/shared/arcd/postprocess.ts) a defect pixel goes to the
 * highest defect class at or above its threshold only, so where two defect
 * classes fire at once the counts are corrected with the frame's joint table
 * (./predicted.ts). The ML engine compares the unrounded probability, so a
 * pixel within half a byte (0.063 logit) of t may differ from what it
 * scored; the review is self-consistent on the bytes.
 */
import { LEVELS, PROB_OF_BYTE, thresholdByte } from './mapCode'

export const BINS = LEVELS
/** Layout of a class histogram: [0, 256) outside the labels, [256, 512) inside. */
export const HIST_LENGTH = 2 * BINS

export interface PixelCounts {
  /** Predicted and labelled. */
  tp: number
  /** Predicted outside every label of the class. */
  fp: number
  /** Labelled but not predicted. */
  fn: number
  /** Neither. */
  tn: number
}

/**
 * Histogram of one class over one frame: `prob` holds the stored bytes
 * (./mapCode.ts), `truth` is non-zero where a label of the class covers the pixel.
 */
export function buildHistogram(prob: ArrayLike<number>, truth: ArrayLike<number>): Uint32Array {
  if (prob.length !== truth.length) throw new RangeError(`probability map (${prob.length}) and label mask (${truth.length}) differ in size`)
  const h = new Uint32Array(HIST_LENGTH)
  for (let i = 0; i < prob.length; i++) {
    const v = prob[i]!
    const b = v < 0 ? 0 : v > 255 ? 255 : v | 0
    h[truth[i] ? BINS + b : b]!++
  }
  return h
}

function checkHist(h: ArrayLike<number>): void {
  if (h.length !== HIST_LENGTH) throw new RangeError(`a class histogram has ${HIST_LENGTH} bins, got ${h.length}`)
}

/** Pixel outcomes of a class at threshold t. */
export function countsAt(h: ArrayLike<number>, t: number): PixelCounts {
  checkHist(h)
  const b = thresholdByte(t)
  let tp = 0
  let fp = 0
  let fn = 0
  let tn = 0
  for (let k = 0; k < BINS; k++) {
    if (k >= b) {
      fp += h[k]!
      tp += h[BINS + k]!
    } else {
      tn += h[k]!
      fn += h[BINS + k]!
    }
  }
  return { tp, fp, fn, tn }
}

/** The highest probability of the class anywhere on the frame, as its byte stands for; 0 on an empty histogram. */
export function maxProbability(h: ArrayLike<number>): number {
  checkHist(h)
  for (let k = BINS - 1; k >= 0; k--) if (h[k]! > 0 || h[BINS + k]! > 0) return PROB_OF_BYTE[k]!
  return 0
}

/** Pixels under the class's labels. */
export function labelledPixels(h: ArrayLike<number>): number {
  checkHist(h)
  let n = 0
  for (let k = 0; k < BINS; k++) n += h[BINS + k]!
  return n
}

/** Adds `h` into `acc` (both class histograms), for a set of frames. */
export function addHistogram(acc: Uint32Array | Float64Array, h: ArrayLike<number>): void {
  checkHist(h)
  checkHist(acc)
  for (let k = 0; k < HIST_LENGTH; k++) acc[k]! += h[k]!
}
