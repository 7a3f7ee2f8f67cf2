/**
 * MPA, MIoU and per-class F1 of the filtered frames at the reviewer's
 * thresholds, and ROC/PR curves per class, all from the frames' stored
 * statistics (histograms and joint table, computed once from the
 * full-resolution maps): exact at any threshold, no map read.
 */
import type { ClassDef, ReviewCurve, ReviewGroupMetrics, ReviewItem, ReviewMetrics, Thresholds } from '../../../shared/contract'
import { curvesFromHistogram } from '../../../shared/review/curves'
import { addHistogram, HIST_LENGTH } from '../../../shared/review/histogram'
import { MapMetricsAccumulator, type MapGroupMetrics } from '../../../shared/review/mapMetrics'
import type { FrameStats } from './frameStats'

function withIds(g: MapGroupMetrics, classes: ClassDef[]): ReviewGroupMetrics {
  return {
    frames: g.frames,
    mpa: g.mpa,
    miou: g.miou,
    classes: g.classes.map((c, i) => ({
      classId: classes[i]!.id,
      name: c.name,
      kind: c.kind,
      threshold: c.threshold,
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      iou: c.iou
    }))
  }
}

/** `classes`: the classes the model has outputs for; the labels of the others are left out, as the evaluation leaves them out. */
export function computeReviewMetrics(
  modelId: number,
  items: readonly Pick<ReviewItem, 'imageId' | 'view'>[],
  stats: ReadonlyMap<number, FrameStats>,
  classes: ClassDef[],
  thresholds: Thresholds
): ReviewMetrics {
  const acc = new MapMetricsAccumulator(classes, thresholds)
  const sums = new Map(classes.map((c) => [c.id, new Float64Array(HIST_LENGTH)]))
  let maxSide = 0
  for (const item of items) {
    const s = stats.get(item.imageId)
    if (!s) continue
    for (const c of classes) {
      const h = s.hists.get(c.id)
      if (h) addHistogram(sums.get(c.id)!, h)
    }
    acc.add({ view: item.view, hists: classes.map((c) => s.hists.get(c.id) ?? null), joint: s.joint })
    maxSide = Math.max(maxSide, s.width, s.height)
  }
  const report = acc.report()
  const curves: ReviewCurve[] = classes.map((c) => ({ classId: c.id, name: c.name, ...curvesFromHistogram(sums.get(c.id)!, thresholds[c.name]!) }))
  return {
    modelId,
    thresholds,
    overall: withIds(report.overall, classes),
    perView: Object.fromEntries(Object.entries(report.perView).map(([v, g]) => [v, withIds(g, classes)])),
    curves,
    maxSide
  }
}
