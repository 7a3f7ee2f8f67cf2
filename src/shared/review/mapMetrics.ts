/**
 * MPA, MIoU and per-class F1 of stored prediction maps against the labels,
 * at the reviewer's thresholds, per view and overall.
 *
 * - MPA and MIoU follow src/shared/arcd/metrics.ts exactly (its ConfusionMatrix,
 *   background plus the defect classes, one class per pixel: the defect class
 *   with the highest probability among those at or above their threshold,
 *   ties to the lower class index; truth the highest-index defect label), so
 *   they compare with a run's test report at the same thresholds.
 * - Per class (defects and regions alike) precision, recall, F1 and IoU of
 *   "probability >= threshold" against the class's own labels: the same
 *   TP/FP/FN the review's fourth pane colours.
 * Probabilities are the 8-bit map bytes; predicted = byte >= thresholdByte(t).
 */
import { ConfusionMatrix, type MetricClass } from '../arcd/metrics'
import { thresholdByte } from './histogram'
import { prf } from './outcomes'

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
  private readonly bytes: number[]
  private readonly groups = new Map<string, Group>()

  constructor(
    readonly classes: MetricClass[],
    readonly thresholds: number[]
  ) {
    if (thresholds.length !== classes.length) throw new RangeError(`${classes.length} classes but ${thresholds.length} thresholds`)
    classes.forEach((c, i) => c.kind === 'defect' && this.defects.push(i))
    this.bytes = thresholds.map(thresholdByte)
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
    const bytes = this.bytes
    for (let c = 0; c < K; c++) {
      const p = f.probs[c] ?? null
      const t = f.truths[c]!
      const b = bytes[c]!
      const cnt = g.counts[c]!
      for (let i = 0; i < n; i++) {
        const pred = p !== null && p[i]! >= b
        if (t[i]) {
          if (pred) cnt.tp++
          else cnt.fn++
        } else if (pred) cnt.fp++
      }
    }
    for (let i = 0; i < n; i++) {
      let truth = 0
      let pred = 0
      let best = -1
      for (let d = 0; d < defects.length; d++) {
        const c = defects[d]!
        if (f.truths[c]![i]) truth = d + 1
        const p = f.probs[c]
        if (!p) continue
        const v = p[i]!
        if (v >= bytes[c]! && v > best) {
          best = v
          pred = d + 1
        }
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
