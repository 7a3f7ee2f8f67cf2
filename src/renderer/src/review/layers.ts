/**
 * Pixels of the review's panes, computed from the cached maps at map size:
 * the heatmap in the shared colour scale, the TP/FP/FN overlay from the
 * post-processor's masks (src/shared/arcd/postprocess.ts through
 * shared/review/predicted.ts) and the rasterised labels at the current
 * thresholds, and
 * |frame - reconstruction|. Pure functions over arrays, so they are tested
 * without a browser.
 */
import { OUTCOME_COLOURS } from '../../../shared/review/colors'
import { predictedMasks } from '../../../shared/review/predicted'

export interface LayerClass {
  classId: number
  name: string
  kind: 'defect' | 'region'
  /** The stored bytes (shared/review/mapCode.ts) at map size, or null when the model has no map for it (not trained). */
  prob: Uint8Array | null
  /** 0/1 labels of the class at map size. */
  truth: Uint8Array
  threshold: number
  /** Painted; a class not shown still competes for defect pixels (default true). */
  shown?: boolean
}

/** Highest probability over the given maps per pixel (the "all defect classes" heatmap). */
export function maxOf(maps: readonly (Uint8Array | null)[], n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (const m of maps) {
    if (!m) continue
    for (let i = 0; i < n; i++) if (m[i]! > out[i]!) out[i] = m[i]!
  }
  return out
}

/** Opaque RGBA of a probability map through a 768-entry RGB lookup table. */
export function heatRgba(prob: Uint8Array, lut: Uint8Array, out = new Uint8ClampedArray(prob.length * 4)): Uint8ClampedArray {
  for (let i = 0; i < prob.length; i++) {
    const l = prob[i]! * 3
    const o = i * 4
    out[o] = lut[l]!
    out[o + 1] = lut[l + 1]!
    out[o + 2] = lut[l + 2]!
    out[o + 3] = 255
  }
  return out
}

const ALPHA = 230

/**
 * RGBA overlay of the shown classes' outcomes: TP, FN, then FP painted in
 * that order, so a pixel that is a false positive of one class and a true
 * positive of another shows as FP. Transparent elsewhere. Predicted pixels
 * follow the one threshold rule over every class given, so a defect pixel
 * two classes fire on counts for the winning class only, as in the review's
 * counts and metrics. Returns the overlay and its pixel counts.
 */
export function outcomeRgba(classes: readonly LayerClass[], n: number): { rgba: Uint8ClampedArray; tp: number; fp: number; fn: number } {
  const code = new Uint8Array(n) // 0 none, 1 tp, 2 fn, 3 fp: higher wins
  let tp = 0
  let fp = 0
  let fn = 0
  const masks = predictedMasks(
    classes.map((c) => c.prob),
    classes,
    Object.fromEntries(classes.map((c) => [c.name, c.threshold]))
  )
  for (const [k, c] of classes.entries()) {
    if (c.shown === false) continue
    const m = masks[k]
    const t = c.truth
    for (let i = 0; i < n; i++) {
      const pred = m !== null && m !== undefined && m[i] === 1
      const lab = t[i]! !== 0
      if (pred && lab) {
        tp++
        if (code[i]! < 1) code[i] = 1
      } else if (lab) {
        fn++
        if (code[i]! < 2) code[i] = 2
      } else if (pred) {
        fp++
        code[i] = 3
      }
    }
  }
  const rgba = new Uint8ClampedArray(n * 4)
  const colours = [null, OUTCOME_COLOURS.tp, OUTCOME_COLOURS.fn, OUTCOME_COLOURS.fp] as const
  for (let i = 0; i < n; i++) {
    const c = colours[code[i]!]
    if (!c) continue
    const o = i * 4
    rgba[o] = c[0]
    rgba[o + 1] = c[1]
    rgba[o + 2] = c[2]
    rgba[o + 3] = ALPHA
  }
  return { rgba, tp, fp, fn }
}

/** |frame - reconstruction| averaged over RGB, as grey RGBA (gain > 1 brightens small differences). */
export function diffRgba(frame: Uint8ClampedArray, recon: Uint8ClampedArray, gain = 2): Uint8ClampedArray {
  if (frame.length !== recon.length) throw new RangeError(`frame (${frame.length}) and reconstruction (${recon.length}) differ in size`)
  const out = new Uint8ClampedArray(frame.length)
  for (let o = 0; o < frame.length; o += 4) {
    const d = (Math.abs(frame[o]! - recon[o]!) + Math.abs(frame[o + 1]! - recon[o + 1]!) + Math.abs(frame[o + 2]! - recon[o + 2]!)) / 3
    const v = Math.min(255, d * gain)
    out[o] = v
    out[o + 1] = v
    out[o + 2] = v
    out[o + 3] = 255
  }
  return out
}
