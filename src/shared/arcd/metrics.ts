/**
 * Evaluation maths for the segmentation models: pure TypeScript, no TF.js,
 * so the app, the CLI and tests compute the same numbers.
 *
 * Definitions (thesis eq. 3-17, 3-18, 4-9; documented choices marked *):
 * - Pixel classes for MPA/MIoU: background plus the k DEFECT classes. The
 *   network emits independent sigmoid maps, so one class per pixel is made:
 *   predicted = the defect class with the highest probability among those at
 *   or above their threshold, else background (ties: lower class index);
 *   ground truth = the highest-index defect class whose mask covers the pixel,
 *   else background (*).
 * - IoU_i = p_ii / (sum_j p_ij + sum_j p_ji - p_ii). Eq. 3-18 as printed
 *   omits "- p_ii", which would double-count the intersection and cap IoU at
 *   0.5; we use the standard form (*). Accuracy_i = p_ii / sum_j p_ij (eq. 3-17).
 *   Means are taken over the classes whose value is defined (a class with no
 *   pixels in truth nor prediction has IoU 0/0 and is left out) (*).
 * - REGION classes (e.g. the lathe bed) overlap defects, so each is scored
 *   on its own as a two-class problem {outside, inside} with its own MPA/MIoU,
 *   as the thesis's Table 3.3 does (*).
 * - Pixel AUROC and AP per class are exact: all scored pixels are kept as
 *   Float32 (4 bytes a pixel, positives and negatives in separate arrays),
 *   sorted numerically and ranked by ./ranking (ties, AP's step sum, nulls).
 * - Memory: pixels are stored per group (view) only; the overall figures
 *   concatenate one class at a time, so the peak is about twice one class's
 *   pixels. Callers score at model resolution inside the letterboxed content,
 *   e.g. 128x128 x 1000 images = 16M pixels = 64 MB per class.
 * - Image AUROC: an image is positive when it has any defect-class polygon;
 *   its score is the caller's image score.
 * - Frames per defect class (frameHits.ts): labelled, found (the class's
 *   mask covers one of its labelled pixels) and normal frames marked.
 * - RA = exp(-10000 * (L2 + 0.01 * (1 - SSIM))) per image (eq. 4-9), averaged.
 * - Thresholds: per class, the score t maximising F1 of "score >= t" on the
 *   validation pixels.
 */
import { FrameHits, newFrameFlags } from './frameHits'
import { defectAt } from './postprocess'
import { auroc, aurocSorted, averagePrecisionSorted, backgroundCapSorted, bestF1ThresholdSorted } from './ranking'
import { appendAll } from '../arrays'
import { ConfusionMatrix } from './confusion'

export type ClassKindName = 'defect' | 'region'

export interface MetricClass {
  name: string
  kind: ClassKindName
}

// ------------------------------------------------------------ reconstruction accuracy

/** RA = exp(-10000 * (L2 + 0.01 * (1 - SSIM))) (thesis eq. 4-9). */
export function reconstructionAccuracyRA(l2: number, ssim: number): number {
  return Math.exp(-10000 * (l2 + 0.01 * (1 - ssim)))
}

// ------------------------------------------------------------ growable score store

class FloatList {
  data = new Float32Array(1024)
  length = 0
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float32Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = v
  }
  view(): Float32Array {
    return this.data.subarray(0, this.length)
  }
}

// ------------------------------------------------------------ the evaluator

export interface ImageEvalInput {
  view: string
  /** Per-pixel class probabilities, row-major, interleaved: (y * width + x) * K + c. */
  probs: ArrayLike<number>
  /** Per-pixel 0/1 targets in the same layout. */
  targets: ArrayLike<number>
  width: number
  height: number
  /** Only pixels inside [x0, x1) x [y0, y1) are scored (the letterboxed content). Default: all. */
  region?: { x0: number; y0: number; x1: number; y1: number }
  /** The image has a defect-class label (its image-level truth). */
  anomalous: boolean
  /** The image-level score. */
  score: number
  /** Reconstruction error of the image, when the model reconstructs. */
  recon?: { l2: number; ssim: number }
}

export interface ClassMetrics {
  name: string
  kind: ClassKindName
  threshold: number
  /** Pixels of the class in the ground truth (of the scored area). */
  positives: number
  pixelAuroc: number | null
  pixelAp: number | null
  /** From the one-class-per-pixel confusion (defects) or the class's own 2x2 (regions). */
  iou: number | null
  accuracy: number | null
  /**
   * Defect classes (frameHits.ts); missing in reports saved before they
   * existed. Frames with the class labelled, those of them where its mask
   * covers at least one labelled pixel, and normal frames where its mask
   * appears anywhere (out of normalImages(group)).
   */
  frames?: number
  framesFound?: number
  normalsMarked?: number
}

export interface RegionMetrics {
  name: string
  mpa: number | null
  miou: number | null
}

export interface GroupMetrics {
  images: number
  anomalousImages: number
  /** Over background + defect classes. */
  mpa: number | null
  miou: number | null
  background: { accuracy: number | null; iou: number | null }
  classes: ClassMetrics[]
  regions: RegionMetrics[]
  imageAuroc: number | null
  /** Means over images with a reconstruction; null without one. */
  ra: number | null
  l2: number | null
  ssim: number | null
}

/** Images of the group with no defect labelled: what ClassMetrics.normalsMarked counts out of. */
export function normalImages(group: GroupMetrics): number {
  return group.images - group.anomalousImages
}

/** Mean pixel AP over the defect classes with labelled pixels in the group: what checkpoints are picked by and experiments compare. */
export function meanDefectAp(group: GroupMetrics): number | null {
  const aps = group.classes.filter((m) => m.kind === 'defect' && m.positives > 0 && m.pixelAp !== null).map((m) => m.pixelAp!)
  return aps.length > 0 ? aps.reduce((a, b) => a + b, 0) / aps.length : null
}

export interface EvalReport {
  classes: MetricClass[]
  thresholds: Record<string, number>
  overall: GroupMetrics
  perView: Record<string, GroupMetrics>
}

class GroupAccumulator {
  readonly defectConfusion: ConfusionMatrix
  readonly regionConfusion: ConfusionMatrix[]
  readonly pos: FloatList[]
  readonly neg: FloatList[]
  readonly imageScores: number[] = []
  readonly imageLabels: boolean[] = []
  readonly frames: FrameHits
  raSum = 0
  l2Sum = 0
  ssimSum = 0
  reconCount = 0

  constructor(
    readonly classCount: number,
    defectCount: number,
    regionCount: number
  ) {
    this.defectConfusion = new ConfusionMatrix(defectCount + 1)
    this.frames = new FrameHits(defectCount)
    this.regionConfusion = Array.from({ length: regionCount }, () => new ConfusionMatrix(2))
    this.pos = Array.from({ length: classCount }, () => new FloatList())
    this.neg = Array.from({ length: classCount }, () => new FloatList())
  }
}

export interface ThresholdChoice {
  threshold: number
  /** Best F1's threshold, when the background cap raised it. */
  uncapped?: number
}

/**
 * Accumulates pixel and image results image by image, then reports every
 * metric for each view and overall.
 */
export class SegmentationEvaluator {
  private readonly defects: number[]
  private readonly regions: number[]
  private readonly groups = new Map<string, GroupAccumulator>()
  private readonly thresholdList: number[]

  constructor(
    readonly classes: MetricClass[],
    readonly thresholds: Record<string, number>
  ) {
    this.defects = []
    this.regions = []
    classes.forEach((c, i) => (c.kind === 'region' ? this.regions : this.defects).push(i))
    this.thresholdList = classes.map((c) => {
      const t = thresholds[c.name]
      if (t === undefined || !Number.isFinite(t)) throw new Error(`no threshold for class "${c.name}"`)
      return t
    })
  }

  private group(view: string): GroupAccumulator {
    let g = this.groups.get(view)
    if (!g) {
      g = new GroupAccumulator(this.classes.length, this.defects.length, this.regions.length)
      this.groups.set(view, g)
    }
    return g
  }

  addImage(input: ImageEvalInput): void {
    const K = this.classes.length
    const { width, height } = input
    if (input.probs.length !== width * height * K || input.targets.length !== width * height * K) {
      throw new Error(
        `image maps must hold width*height*classes = ${width * height * K} values (probs ${input.probs.length}, targets ${input.targets.length})`
      )
    }
    const r = input.region ?? { x0: 0, y0: 0, x1: width, y1: height }
    const x0 = Math.max(0, Math.floor(r.x0))
    const y0 = Math.max(0, Math.floor(r.y0))
    const x1 = Math.min(width, Math.ceil(r.x1))
    const y1 = Math.min(height, Math.ceil(r.y1))
    const g = this.group(input.view)
    const { probs, targets } = input
    const defects = this.defects
    const regions = this.regions
    const thr = this.thresholdList
    const flags = newFrameFlags(defects.length)
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const base = (y * width + x) * K
        for (let c = 0; c < K; c++) {
          const p = probs[base + c]!
          if (p !== p) throw new Error(`probability of class ${this.classes[c]!.name} at (${x}, ${y}) is NaN`)
          if (targets[base + c]! > 0.5) g.pos[c]!.push(p)
          else g.neg[c]!.push(p)
        }
        if (!input.anomalous) {
          for (let d = 0; d < defects.length; d++) {
            const p = probs[base + defects[d]!]!
            if (p > flags.peak[d]!) flags.peak[d] = p
          }
        }
        let truth = 0
        for (let d = 0; d < defects.length; d++) {
          if (targets[base + defects[d]!]! > 0.5) {
            truth = d + 1
            flags.labelled[d] = 1
          }
        }
        // The one threshold rule (postprocess.ts): the highest defect probability at or above its threshold.
        const predClass = defectAt(probs, base, defects, thr)
        const predDefect = predClass < 0 ? -1 : defects.indexOf(predClass)
        g.defectConfusion.add(truth, predDefect + 1)
        if (predDefect >= 0) {
          flags.marked[predDefect] = 1
          if (targets[base + predClass]! > 0.5) flags.found[predDefect] = 1
        }
        for (let q = 0; q < regions.length; q++) {
          const c = regions[q]!
          g.regionConfusion[q]!.add(targets[base + c]! > 0.5 ? 1 : 0, probs[base + c]! >= thr[c]! ? 1 : 0)
        }
      }
    }
    if (Number.isNaN(input.score)) throw new Error('image score is NaN')
    g.imageScores.push(input.score)
    g.imageLabels.push(input.anomalous)
    g.frames.add(flags, input.anomalous)
    if (input.recon) {
      g.raSum += reconstructionAccuracyRA(input.recon.l2, input.recon.ssim)
      g.l2Sum += input.recon.l2
      g.ssimSum += input.recon.ssim
      g.reconCount++
    }
  }

  /** Pixel scores of one class over every view, sorted (for threshold choice). */
  sortedScores(classIndex: number): { pos: Float32Array; neg: Float32Array } {
    const gs = [...this.groups.values()]
    return {
      pos: concatSorted(gs.map((g) => g.pos[classIndex]!.view())),
      neg: concatSorted(gs.map((g) => g.neg[classIndex]!.view()))
    }
  }

  /**
   * Each normal image's highest probability of a class over its scored
   * pixels, every view, ascending; empty for a region class. A threshold
   * above a frame's peak keeps the class off that frame.
   */
  normalFramePeaks(classIndex: number): Float64Array {
    const d = this.defects.indexOf(classIndex)
    if (d < 0) return new Float64Array(0)
    const out = Float64Array.from([...this.groups.values()].flatMap((g) => g.frames.normalPeaks[d]!))
    return out.sort()
  }

  /** Best-F1 threshold per class over every image added; classes without positives keep `fallback`. */
  chooseThresholds(fallback = 0.5): Record<string, number> {
    return Object.fromEntries(Object.entries(this.thresholdChoices(fallback)).map(([name, c]) => [name, c.threshold]))
  }

  /**
   * chooseThresholds, and with `maxBackgroundShare` below 1 each best-F1
   * threshold that would flag more than that share of its class's background
   * raised to the level that flags that share (backgroundCapSorted), with
   * the best-F1 value kept as `uncapped`. One sort of each class's scores serves both.
   */
  thresholdChoices(fallback = 0.5, maxBackgroundShare = 1): Record<string, ThresholdChoice> {
    const out: Record<string, ThresholdChoice> = {}
    this.classes.forEach((c, i) => {
      const { pos, neg } = this.sortedScores(i)
      const best = bestF1ThresholdSorted(pos, neg)?.threshold
      if (best === undefined || maxBackgroundShare >= 1) return void (out[c.name] = { threshold: best ?? fallback })
      const cap = backgroundCapSorted(neg, maxBackgroundShare)
      out[c.name] = best >= cap ? { threshold: best } : { threshold: cap, uncapped: best }
    })
    return out
  }

  report(): EvalReport {
    const perView: Record<string, GroupMetrics> = {}
    const views = [...this.groups.keys()].sort()
    for (const v of views) {
      const g = this.groups.get(v)!
      perView[v] = this.summarise([g], (c) => {
        const pos = g.pos[c]!.view()
        const neg = g.neg[c]!.view()
        pos.sort()
        neg.sort()
        return { pos, neg }
      })
    }
    const all = views.map((v) => this.groups.get(v)!)
    const overall = this.summarise(all, (c) => this.sortedScores(c))
    const thresholds: Record<string, number> = {}
    this.classes.forEach((c, i) => (thresholds[c.name] = this.thresholdList[i]!))
    return { classes: this.classes.map((c) => ({ ...c })), thresholds, overall, perView }
  }

  private summarise(
    gs: GroupAccumulator[],
    scoresOf: (classIndex: number) => { pos: Float32Array; neg: Float32Array }
  ): GroupMetrics {
    const conf = new ConfusionMatrix(this.defects.length + 1)
    const regionConf = this.regions.map(() => new ConfusionMatrix(2))
    const frames = new FrameHits(this.defects.length)
    const scores: number[] = []
    const labels: boolean[] = []
    let raSum = 0
    let l2Sum = 0
    let ssimSum = 0
    let reconCount = 0
    for (const g of gs) {
      conf.merge(g.defectConfusion)
      frames.merge(g.frames)
      g.regionConfusion.forEach((m, q) => regionConf[q]!.merge(m))
      appendAll(scores, g.imageScores)
      appendAll(labels, g.imageLabels)
      raSum += g.raSum
      l2Sum += g.l2Sum
      ssimSum += g.ssimSum
      reconCount += g.reconCount
    }
    const classes: ClassMetrics[] = this.classes.map((c, i) => {
      const { pos, neg } = scoresOf(i)
      const d = this.defects.indexOf(i)
      const q = this.regions.indexOf(i)
      const m = d >= 0 ? conf : regionConf[q]!
      const cell = d >= 0 ? d + 1 : 1
      return {
        name: c.name,
        kind: c.kind,
        threshold: this.thresholdList[i]!,
        positives: pos.length,
        pixelAuroc: aurocSorted(pos, neg),
        pixelAp: averagePrecisionSorted(pos, neg),
        iou: m.iou(cell),
        accuracy: m.accuracy(cell),
        ...(d >= 0 ? { frames: frames.labelled[d]!, framesFound: frames.found[d]!, normalsMarked: frames.normalsMarked[d]! } : {})
      }
    })
    return {
      images: scores.length,
      anomalousImages: labels.filter(Boolean).length,
      mpa: conf.mpa(),
      miou: conf.miou(),
      background: { accuracy: conf.accuracy(0), iou: conf.iou(0) },
      classes,
      regions: this.regions.map((c, q) => ({
        name: this.classes[c]!.name,
        mpa: regionConf[q]!.mpa(),
        miou: regionConf[q]!.miou()
      })),
      imageAuroc: auroc(scores, labels),
      ra: reconCount ? raSum / reconCount : null,
      l2: reconCount ? l2Sum / reconCount : null,
      ssim: reconCount ? ssimSum / reconCount : null
    }
  }
}

function concatSorted(parts: Float32Array[]): Float32Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Float32Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  out.sort()
  return out
}
