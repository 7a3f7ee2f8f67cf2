/**
 * MPA, MIoU and per-class F1 of stored prediction maps against the labels,
 * at the reviewer's thresholds, per view and overall.
 *
 * - Predictions are the post-processor's masks (src/shared/arcd/postprocess.ts
 *   through ./predicted.ts): a defect pixel goes to the highest defect class
 *   at or above its threshold, a region class is independent.
 * - MPA and MIoU follow src/shared/arcd/metrics.ts exactly (its ConfusionMatrix,
 *   background plus the defect classes, one class per pixel; truth the
 *   highest-index defect label), so they compare with a run's test report at
 *   the same thresholds. Classes without a map (the model was not trained on
 *   them) are left out by the caller, as the evaluation ignores their labels.
 * - Per class (defects and regions alike) precision, recall, F1 and IoU of the
 *   class's mask against its own labels: the same TP/FP/FN the review's
 *   fourth pane colours.
 * Probabilities are the 8-bit map bytes times BYTE_SCALE.
 */
import { ConfusionMatrix, type MetricClass } from '../arcd/metrics'
import { prf } from './outcomes'
import { predictedMasks } from './predicted'

export interface MapFrame {
  view: string
  width: number
  height: number
  /** Per class, in the accumulator's class order: probability x 255, or null when the model gave none. */
  probs: (Uint8Array | null)[]
  /** Per class: non-zero where a label of the class covers the pixel. */
  truths: Uint8Array[]
}

export interface MapClassMetrics {
  name: string
  kind: MetricClass['kind']
  threshold: number
  tp: number
  fp: number
  fn: number
  precision: number | null
  recall: number | null
  f1: number | null
  iou: number | null
}

export interface MapGroupMetrics {
  frames: number
  mpa: number | null
  miou: number | null
  classes: MapClassMetrics[]
}

export interface MapMetricsReport {
  overall: MapGroupMetrics
  perView: Record<string, MapGroupMetrics>
}

class Group {
  frames = 0
  readonly confusion: ConfusionMatrix
  readonly counts: { tp: number; fp: number; fn: number }[]
  constructor(defects: number, classes: number) {
    this.confusion = new ConfusionMatrix(defects + 1)
    this.counts = Array.from({ length: classes }, () => ({ tp: 0, fp: 0, fn: 0 }))
  }
  merge(o: Group): void {
    this.frames += o.frames
    this.confusion.merge(o.confusion)
    o.counts.forEach((c, i) => {
      this.counts[i]!.tp += c.tp
      this.counts[i]!.fp += c.fp
      this.counts[i]!.fn += c.fn
    })
  }
}

export class MapMetricsAccumulator {
  private readonly defects: number[] = []
  private readonly byName: Record<string, number>
  private readonly groups = new Map<string, Group>()

  constructor(
    readonly classes: MetricClass[],
    readonly thresholds: number[]
  ) {
    if (thresholds.length !== classes.length) throw new RangeError(`${classes.length} classes but ${thresholds.length} thresholds`)
    classes.forEach((c, i) => c.kind === 'defect' && this.defects.push(i))
    this.byName = Object.fromEntries(classes.map((c, i) => [c.name, thresholds[i]!]))
  }

  add(f: MapFrame): void {
    const K = this.classes.length
    const n = f.width * f.height
    if (f.probs.length !== K || f.truths.length !== K) throw new RangeError(`a frame needs ${K} probability maps and label masks`)
    for (let c = 0; c < K; c++) {
      const p = f.probs[c]
      if ((p && p.length !== n) || f.truths[c]!.length !== n) throw new RangeError(`class ${this.classes[c]!.name}: maps must hold ${n} pixels`)
    }
    let g = this.groups.get(f.view)
    if (!g) this.groups.set(f.view, (g = new Group(this.defects.length, K)))
    g.frames++
    const defects = this.defects
    const masks = predictedMasks(f.probs, this.classes, this.byName)
    for (let c = 0; c < K; c++) {
      const m = masks[c]
      const t = f.truths[c]!
      const cnt = g.counts[c]!
      for (let i = 0; i < n; i++) {
        const pred = m !== null && m[i] === 1
        if (t[i]) {
          if (pred) cnt.tp++
          else cnt.fn++
        } else if (pred) cnt.fp++
      }
    }
    for (let i = 0; i < n; i++) {
      let truth = 0
      let pred = 0
      for (let d = 0; d < defects.length; d++) {
        const c = defects[d]!
        if (f.truths[c]![i]) truth = d + 1
        // The rule gives a pixel to one defect class at most.
        if (masks[c]?.[i] === 1) pred = d + 1
      }
      g.confusion.add(truth, pred)
    }
  }

  report(): MapMetricsReport {
    const views = [...this.groups.keys()].sort()
    const all = new Group(this.defects.length, this.classes.length)
    const perView: Record<string, MapGroupMetrics> = {}
    for (const v of views) {
      const g = this.groups.get(v)!
      all.merge(g)
      perView[v] = this.summarise(g)
    }
    return { overall: this.summarise(all), perView }
  }

  private summarise(g: Group): MapGroupMetrics {
    return {
      frames: g.frames,
      mpa: g.confusion.mpa(),
      miou: g.confusion.miou(),
      classes: this.classes.map((c, i) => {
        const k = g.counts[i]!
        const union = k.tp + k.fp + k.fn
        return { name: c.name, kind: c.kind, threshold: this.thresholds[i]!, ...k, ...prf(k), iou: union > 0 ? k.tp / union : null }
      })
    }
  }
}
