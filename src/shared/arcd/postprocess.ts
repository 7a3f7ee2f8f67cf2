/**
 * The one post-processor: how per-class probability maps become a pixel's
 * class, masks and an image score. Evaluation (src/ml), inference, the review
 * and the editor's accept all go through these functions, so a threshold
 * means the same thing everywhere.
 *
 * Threshold rule: a pixel belongs to defect class c when p_c >= t_c and p_c
 * is the highest such defect probability there (defects are exclusive in the
 * confusion matrix, as in MPA/MIoU); a region class (the lathe bed) is
 * independent: p >= t.
 *
 * Image score: the defect-class maps are smoothed with a box mean of side
 * IMAGE_SCORE_BOX inside the frame's valid region, and the score is the
 * highest smoothed value. A single hot pixel cannot flag a frame; region
 * classes never count.
 */

export type PostClassKind = 'defect' | 'region'

export interface PostClass {
  name: string
  kind: PostClassKind
}

export interface Region {
  x0: number
  y0: number
  x1: number
  y1: number
}

/**
 * Side of the image score's box mean, in pixels of the map. DRAEM's 21 px at
 * 256 suits its downscaled images; at the analysis scale a blowhole is a few
 * pixels wide, and on magnetic-tile a 3 px box ranked defect frames best in
 * every model measured (5, 11 and 21 px lost 2-24 points of image AUROC),
 * while the demo's frames separated at every side (docs/experiments.md,
 * eighteenth measurement). 3 px still needs nine hot pixels for a full score.
 */
export const IMAGE_SCORE_BOX = 3

function thresholdList(classes: readonly PostClass[], thresholds: Record<string, number>): number[] {
  return classes.map((c) => {
    const t = thresholds[c.name]
    if (t === undefined || !Number.isFinite(t)) throw new Error(`no threshold for class "${c.name}"`)
    return t
  })
}

/**
 * The defect class a pixel is given (index into `classes`), or -1 for
 * background. `probs` is interleaved: probs[base + c].
 */
export function defectAt(probs: ArrayLike<number>, base: number, defectChannels: readonly number[], thr: readonly number[]): number {
  let pred = -1
  let best = -Infinity
  for (const c of defectChannels) {
    const p = probs[base + c]!
    if (p >= thr[c]! && p > best) {
      best = p
      pred = c
    }
  }
  return pred
}

/**
 * One 0/1 mask per class (width*height each) under the threshold rule.
 * `probs` is interleaved width*height*K.
 */
export function extractMasks(
  probs: ArrayLike<number>,
  width: number,
  height: number,
  classes: readonly PostClass[],
  thresholds: Record<string, number>
): Uint8Array[] {
  const K = classes.length
  if (probs.length !== width * height * K) throw new Error(`extractMasks: expected ${width * height * K} values, got ${probs.length}`)
  const thr = thresholdList(classes, thresholds)
  const defects = classes.flatMap((c, i) => (c.kind === 'defect' ? [i] : []))
  const regions = classes.flatMap((c, i) => (c.kind === 'region' ? [i] : []))
  const masks = classes.map(() => new Uint8Array(width * height))
  for (let i = 0; i < width * height; i++) {
    const base = i * K
    const d = defectAt(probs, base, defects, thr)
    if (d >= 0) masks[d]![i] = 1
    for (const r of regions) if (probs[base + r]! >= thr[r]!) masks[r]![i] = 1
  }
  return masks
}

/**
 * Same rule on one class's own map (planar, width*height) with the other
 * classes' maps beside it: used where maps are stored one per class (the
 * review's PNGs). `planes[k]` holds class k, scaled to [0, 1] by `scale`.
 */
export function extractMaskFromPlanes(
  planes: readonly ArrayLike<number>[],
  classIndex: number,
  classes: readonly PostClass[],
  thresholds: Record<string, number>,
  scale = 1
): Uint8Array {
  const thr = thresholdList(classes, thresholds)
  const n = planes[classIndex]!.length
  const out = new Uint8Array(n)
  const own = planes[classIndex]!
  if (classes[classIndex]!.kind === 'region') {
    for (let i = 0; i < n; i++) if (own[i]! * scale >= thr[classIndex]!) out[i] = 1
    return out
  }
  const defects = classes.flatMap((c, i) => (c.kind === 'defect' ? [i] : []))
  for (let i = 0; i < n; i++) {
    const p = own[i]! * scale
    if (p < thr[classIndex]!) continue
    let wins = true
    for (const d of defects) {
      if (d === classIndex) continue
      const q = planes[d]![i]! * scale
      // Ties go to the lower class index, as in defectAt's strict ">".
      if (q >= thr[d]! && (q > p || (q === p && d < classIndex))) {
        wins = false
        break
      }
    }
    if (wins) out[i] = 1
  }
  return out
}

/**
 * Image score from interleaved maps: the highest box-smoothed defect
 * probability inside `region` (default: the whole map). Pixels outside the
 * region count as 0 and the mean divides by the pixels inside, so padding
 * neither raises nor dilutes it.
 */
export function imageScore(
  probs: ArrayLike<number>,
  width: number,
  height: number,
  classes: readonly PostClass[],
  opts: { region?: Region; kernel?: number } = {}
): number {
  const K = classes.length
  const defects = classes.flatMap((c, i) => (c.kind === 'defect' ? [i] : []))
  if (defects.length === 0) return 0
  const r = opts.region ?? { x0: 0, y0: 0, x1: width, y1: height }
  const x0 = Math.max(0, Math.floor(r.x0))
  const y0 = Math.max(0, Math.floor(r.y0))
  const x1 = Math.min(width, Math.ceil(r.x1))
  const y1 = Math.min(height, Math.ceil(r.y1))
  const w = x1 - x0
  const h = y1 - y0
  if (w <= 0 || h <= 0) return 0
  const k = opts.kernel ?? IMAGE_SCORE_BOX
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new Error(`imageScore: the box side must be a positive odd integer, got ${k}`)
  const half = (k - 1) >> 1
  let best = 0
  // Summed-area tables of the map and of the valid-pixel count.
  const sat = new Float64Array((w + 1) * (h + 1))
  for (const c of defects) {
    sat.fill(0)
    for (let y = 0; y < h; y++) {
      let row = 0
      for (let x = 0; x < w; x++) {
        row += probs[((y + y0) * width + (x + x0)) * K + c]!
        sat[(y + 1) * (w + 1) + (x + 1)] = sat[y * (w + 1) + (x + 1)]! + row
      }
    }
    for (let y = 0; y < h; y++) {
      const ya = Math.max(0, y - half)
      const yb = Math.min(h, y + half + 1)
      for (let x = 0; x < w; x++) {
        const xa = Math.max(0, x - half)
        const xb = Math.min(w, x + half + 1)
        const sum = sat[yb * (w + 1) + xb]! - sat[ya * (w + 1) + xb]! - sat[yb * (w + 1) + xa]! + sat[ya * (w + 1) + xa]!
        const v = sum / ((yb - ya) * (xb - xa))
        if (v > best) best = v
      }
    }
  }
  return best
}
