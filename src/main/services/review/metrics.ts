/**
 * MPA, MIoU and per-class F1 of the filtered frames at the reviewer's
 * thresholds, from the stored maps reduced to METRICS_MAX_SIDE a side (kept
 * decoded in memory up to a budget), and ROC/PR curves per class from the
 * full-resolution histograms.
 */
import type { ClassDef, ReviewCurve, ReviewGroupMetrics, ReviewItem, ReviewMetrics, Thresholds } from '../../../shared/contract'
import { curvesFromHistogram } from '../../../shared/review/curves'
import { addHistogram, HIST_LENGTH } from '../../../shared/review/histogram'
import { MapMetricsAccumulator, type MapGroupMetrics } from '../../../shared/review/mapMetrics'
import { listLabels } from '../labels'
import type { Workspace } from '../workspace'
import { METRICS_MAX_SIDE, readReducedMaps, reducedMapsFile, type FrameStats, type ReducedMaps } from './frameStats'
import { classMasks } from './labelMasks'
import { predictionRef, probFile, readProb, reducedSize } from './mapFiles'

/** Decoded reduced maps kept in memory, least recently used dropped first. */
export class ReducedMapCache {
  private readonly entries = new Map<string, ReducedMaps>()
  private bytes = 0
  constructor(private readonly budget = 256 * 1024 * 1024) {}

  get(key: string): ReducedMaps | undefined {
    const v = this.entries.get(key)
    if (v) {
      this.entries.delete(key)
      this.entries.set(key, v)
    }
    return v
  }

  set(key: string, v: ReducedMaps): void {
    const old = this.entries.get(key)
    if (old) this.bytes -= sizeOf(old)
    this.entries.delete(key)
    this.entries.set(key, v)
    this.bytes += sizeOf(v)
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.budget) break
      this.entries.delete(k)
      this.bytes -= sizeOf(e)
    }
  }
}

function sizeOf(m: ReducedMaps): number {
  return m.width * m.height * m.probs.size
}

async function reducedMaps(ws: Workspace, cache: ReducedMapCache, modelId: number, s: FrameStats, classes: ClassDef[]): Promise<ReducedMaps> {
  const key = `${modelId}:${s.imageId}`
  const hit = cache.get(key)
  if (hit && hit.predictionAt === s.predictionAt) return hit
  let maps = readReducedMaps(reducedMapsFile(ws, modelId, s.imageId), s.predictionAt)
  if (!maps) {
    // The cache folder was cleared: decode the PNGs at the reduced size.
    const ref = predictionRef(ws, modelId, s.imageId)
    const size = reducedSize(s.width, s.height, METRICS_MAX_SIDE)
    maps = { predictionAt: ref.at, ...size, probs: new Map() }
    for (const c of classes) {
      const src = probFile(ref, c)
      if (src) maps.probs.set(c.id, (await readProb(src, size)).data)
    }
  }
  cache.set(key, maps)
  return maps
}

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

export async function computeReviewMetrics(
  ws: Workspace,
  cache: ReducedMapCache,
  modelId: number,
  items: readonly Pick<ReviewItem, 'imageId' | 'view'>[],
  stats: ReadonlyMap<number, FrameStats>,
  classes: ClassDef[],
  thresholds: Thresholds
): Promise<ReviewMetrics> {
  const acc = new MapMetricsAccumulator(
    classes.map((c) => ({ name: c.name, kind: c.kind })),
    classes.map((c) => thresholds[c.name]!)
  )
  const sums = new Map(classes.map((c) => [c.id, new Float64Array(HIST_LENGTH)]))
  const frameSize = ws.db.prepare('SELECT width, height FROM images WHERE id = ?')
  for (const item of items) {
    const s = stats.get(item.imageId)
    if (!s) continue
    for (const c of classes) {
      const h = s.hists.get(c.id)
      if (h) addHistogram(sums.get(c.id)!, h)
    }
    const maps = await reducedMaps(ws, cache, modelId, s, classes)
    const frame = frameSize.get(item.imageId) as { width: number; height: number }
    const masks = classMasks(listLabels(ws, item.imageId), classes.map((c) => c.id), frame, maps)
    acc.add({
      view: item.view,
      width: maps.width,
      height: maps.height,
      probs: classes.map((c) => maps.probs.get(c.id) ?? null),
      truths: classes.map((c) => masks.get(c.id)!)
    })
  }
  const report = acc.report()
  const curves: ReviewCurve[] = classes.map((c) => ({ classId: c.id, name: c.name, ...curvesFromHistogram(sums.get(c.id)!, thresholds[c.name]!) }))
  return {
    modelId,
    thresholds,
    overall: withIds(report.overall, classes),
    perView: Object.fromEntries(Object.entries(report.perView).map(([v, g]) => [v, withIds(g, classes)])),
    curves,
    maxSide: METRICS_MAX_SIDE
  }
}
