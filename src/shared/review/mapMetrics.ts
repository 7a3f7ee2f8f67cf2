/**
 * MPA, MIoU and per-class F1 of stored prediction maps against the labels,
 * at the reviewer's thresholds, per view and overall, from each frame's
 * statistics (histograms and joint table, ./predicted.ts): exact at the
 * maps' full resolution, at any thresholds, without reading a map.
 *
 * - Predictions follow the one post-processor (src/shared/arcd/postprocess.ts):
 *   a defect pixel goes to the highest defect class at or above its
 *   threshold, a region class is independent. Probabilities are what the
 *   stored bytes stand for (./mapCode.ts).
 * - MPA and MIoU follow src/shared/arcd/metrics.ts exactly (its ConfusionMatrix,
 *   background plus the defect classes, one class per pixel; truth the
 *   highest-index defect label), so they equal a run's test report at the
 *   same thresholds where the maps are at the evaluation's resolution.
 *   Classes without a map (the model was not trained on them) are left out by
 *   the caller, as the evaluation ignores their labels.
 * - Per class (defects and regions alike) precision, recall, F1 and IoU of the
 *   class's predicted pixels against its own labels: the same TP/FP/FN the
 *   review's fourth pane colours.
 */
import { ConfusionMatrix } from '../arcd/confusion'
import type { MetricClass } from '../arcd/metrics'
import { prf } from './outcomes'
import { addConfusion, ruleCounts, type JointTable, type MapClass } from './predicted'

export interface StatsFrame {
  view: string
  /** Per class, in the accumulator's class order: its histogram, or null when the model gave no map. */
  hists: (ArrayLike<number> | null)[]
  joint: JointTable
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
  /** Class ids of the defect classes, in order: confusion index - 1. */
  private readonly defectIds: number[]
  private readonly groups = new Map<string, Group>()

  constructor(
    readonly classes: MapClass[],
    readonly thresholds: Record<string, number>
  ) {
    for (const c of classes) if (thresholds[c.name] === undefined) throw new RangeError(`no threshold for class "${c.name}"`)
    this.defectIds = classes.filter((c) => c.kind === 'defect').map((c) => c.id)
  }

  add(f: StatsFrame): void {
    const K = this.classes.length
    if (f.hists.length !== K) throw new RangeError(`a frame needs ${K} histograms (or nulls)`)
    let g = this.groups.get(f.view)
    if (!g) this.groups.set(f.view, (g = new Group(this.defectIds.length, K)))
    g.frames++
    const mapped = this.classes.filter((_, c) => f.hists[c] !== null)
    this.classes.forEach((cls, c) => {
      const h = f.hists[c]
      const cnt = g.counts[c]!
      if (!h) return
      const k = ruleCounts(h, cls, f.joint, mapped, this.thresholds)
      cnt.tp += k.tp
      cnt.fp += k.fp
      cnt.fn += k.fn
    })
    // The frame's table may cover fewer defect classes (a map missing): its indices go through the ids.
    const own = new ConfusionMatrix(f.joint.classIds.length + 1)
    addConfusion(own, f.joint, mapped, this.thresholds)
    const to = [0, ...f.joint.classIds.map((id) => this.defectIds.indexOf(id) + 1)]
    if (to.some((v, j) => j > 0 && v === 0)) throw new RangeError('the frame has a defect map the accumulator does not know')
    const s = own.size
    for (let t = 0; t < s; t++) for (let p = 0; p < s; p++) if (own.counts[t * s + p]) g.confusion.add(to[t]!, to[p]!, own.counts[t * s + p]!)
  }

  report(): MapMetricsReport {
    const views = [...this.groups.keys()].sort()
    const all = new Group(this.defectIds.length, this.classes.length)
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
        return { name: c.name, kind: c.kind, threshold: this.thresholds[c.name]!, ...k, ...prf(k), iou: union > 0 ? k.tp / union : null }
      })
    }
  }
}
