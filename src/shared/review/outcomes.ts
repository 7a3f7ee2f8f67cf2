/**
 * True positive, false positive and false negative: per pixel (the review's
 * fourth pane) and per frame (the queue's counts).
 *
 * Per pixel, for one class: predicted = probability byte >= thresholdByte(t);
 * labelled = under a label of the class (rasterised with the shared rule).
 * TP = both, FP = predicted only, FN = labelled only.
 *
 * Per frame, for one class (documented choice):
 * - 'tp': labelled, and the prediction overlaps the labels (>= 1 TP pixel);
 * - 'fn': labelled, and no predicted pixel lies on the labels (missed), even
 *   when the model predicted elsewhere (those pixels still count as FP
 *   evidence for the queue's order);
 * - 'fp': not labelled, and at least `minPixels` pixels predicted;
 * - 'tn': neither.
 */
import type { PixelCounts } from './histogram'
import { thresholdByte } from './mapCode'

export const OUTCOME = { none: 0, tp: 1, fp: 2, fn: 3 } as const
export type PixelOutcome = (typeof OUTCOME)[keyof typeof OUTCOME]

export type FrameOutcome = 'tp' | 'fp' | 'fn' | 'tn'
export const FRAME_OUTCOMES: readonly FrameOutcome[] = ['tp', 'fp', 'fn', 'tn']

/**
 * 0/1 mask of one class's own map at threshold t, the others not looked at:
 * the rule for a region class; defect masks come from ./predicted.ts.
 */
export function predictMask(prob: ArrayLike<number>, t: number, out = new Uint8Array(prob.length)): Uint8Array {
  if (out.length !== prob.length) throw new RangeError(`output holds ${out.length} pixels, the map ${prob.length}`)
  const b = thresholdByte(t)
  for (let i = 0; i < prob.length; i++) out[i] = prob[i]! >= b ? 1 : 0
  return out
}

/** Per-pixel outcome codes (OUTCOME) of a predicted mask against a label mask (non-zero = on). */
export function pixelOutcomes(pred: ArrayLike<number>, truth: ArrayLike<number>, out = new Uint8Array(pred.length)): Uint8Array {
  if (pred.length !== truth.length || out.length !== pred.length) {
    throw new RangeError(`masks differ in size: prediction ${pred.length}, labels ${truth.length}, output ${out.length}`)
  }
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] ? 1 : 0
    const l = truth[i] ? 1 : 0
    out[i] = p & l ? OUTCOME.tp : p ? OUTCOME.fp : l ? OUTCOME.fn : OUTCOME.none
  }
  return out
}

/** Pixel counts of a predicted mask against a label mask. */
export function countPixels(pred: ArrayLike<number>, truth: ArrayLike<number>): PixelCounts {
  if (pred.length !== truth.length) throw new RangeError(`masks differ in size: prediction ${pred.length}, labels ${truth.length}`)
  let tp = 0
  let fp = 0
  let fn = 0
  let tn = 0
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] ? 1 : 0
    const l = truth[i] ? 1 : 0
    if (p & l) tp++
    else if (p) fp++
    else if (l) fn++
    else tn++
  }
  return { tp, fp, fn, tn }
}

/** The frame-level outcome of one class from its pixel counts (see the file comment). */
export function frameOutcome(c: PixelCounts, minPixels = 1): FrameOutcome {
  const labelled = c.tp + c.fn > 0
  if (labelled) return c.tp > 0 ? 'tp' : 'fn'
  return c.fp >= Math.max(1, minPixels) ? 'fp' : 'tn'
}

export interface FrameTally {
  tp: number
  fp: number
  fn: number
  tn: number
}

export function emptyTally(): FrameTally {
  return { tp: 0, fp: 0, fn: 0, tn: 0 }
}

/** Precision, recall and F1 of pixel (or frame) counts; null where undefined (0/0). */
export function prf(c: { tp: number; fp: number; fn: number }): { precision: number | null; recall: number | null; f1: number | null } {
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : null
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : null
  const f1 = 2 * c.tp + c.fp + c.fn > 0 ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : null
  return { precision, recall, f1 }
}
