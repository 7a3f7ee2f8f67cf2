/** The review queue of a model at given thresholds: frames in review order, their outcomes and the frame counts. */
import { appendAll } from '../../../shared/arrays'
import type { ClassDef, FrameCounts, ReviewFilter, ReviewItem, ReviewVerdict, Thresholds } from '../../../shared/contract'
import { maxProbability } from '../../../shared/review/histogram'
import { evidenceOf, sortByEvidence } from '../../../shared/review/order'
import { frameOutcome } from '../../../shared/review/outcomes'
import { ruleCounts } from '../../../shared/review/predicted'
import type { Workspace } from '../workspace'
import type { FrameStats } from './frameStats'

interface FrameRow {
  id: number
  rel_path: string
  view: ReviewItem['view']
  split: ReviewItem['split']
  status: ReviewItem['status']
  width: number
  height: number
  /** The image score the inference stored (the post-processor's imageScore). */
  score: number | null
}

function imageWhere(filter: ReviewFilter): { sql: string; params: unknown[] } {
  const parts: string[] = []
  const params: unknown[] = []
  const inList = (column: string, values: readonly unknown[] | undefined): void => {
    if (!values || values.length === 0) return
    parts.push(`${column} IN (${values.map(() => '?').join(', ')})`)
    appendAll(params, values)
  }
  inList('i.view', filter.views)
  inList('i.split', filter.splits)
  inList('i.status', filter.statuses)
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params }
}

/** Frames of the filter (view, split, status) with a prediction of the model. */
export function predictedFrames(ws: Workspace, modelId: number, filter: ReviewFilter): FrameRow[] {
  const w = imageWhere(filter)
  return ws.db
    .prepare(
      `SELECT i.id, i.rel_path, i.view, i.split, i.status, i.width, i.height, p.score FROM predictions p JOIN images i ON i.id = p.image_id
       WHERE p.model_id = ?${w.sql} ORDER BY i.id`
    )
    .all(modelId, ...w.params) as FrameRow[]
}

/** Frames of the filter (view, split, status) the model has not predicted yet. */
export function unpredictedFrameIds(ws: Workspace, modelId: number, filter: ReviewFilter): number[] {
  const w = imageWhere(filter)
  return ws.db
    .prepare(`SELECT i.id FROM images i WHERE NOT EXISTS (SELECT 1 FROM predictions p WHERE p.model_id = ? AND p.image_id = i.id)${w.sql} ORDER BY i.id`)
    .pluck()
    .all(modelId, ...w.params) as number[]
}

/** Frame ids of the filter (view, split, status), predicted or not. */
export function filteredFrameIds(ws: Workspace, filter: ReviewFilter): number[] {
  const w = imageWhere(filter)
  return ws.db.prepare(`SELECT i.id FROM images i WHERE 1 = 1${w.sql} ORDER BY i.id`).pluck().all(...w.params) as number[]
}

interface VerdictRow {
  id: number
  image_id: number
  model_id: number | null
  class_id: number | null
  verdict: ReviewVerdict['verdict']
  author: string
  note: string | null
  at: string
  state: ReviewVerdict['state']
  label_ids: string | null
}

export function toVerdict(r: VerdictRow): ReviewVerdict {
  return {
    id: r.id,
    imageId: r.image_id,
    modelId: r.model_id,
    classId: r.class_id,
    verdict: r.verdict,
    author: r.author,
    note: r.note,
    at: r.at,
    state: r.state,
    labelIds: r.label_ids ? (JSON.parse(r.label_ids) as number[]) : []
  }
}

/** The newest standing verdict per frame under this model: an undone or dismissed one no longer counts. */
export function latestVerdicts(ws: Workspace, modelId: number): Map<number, ReviewVerdict> {
  const rows = ws.db
    .prepare(
      `SELECT v.* FROM review_verdicts v
       WHERE v.model_id = ? AND v.id = (SELECT max(w.id) FROM review_verdicts w
         WHERE w.image_id = v.image_id AND w.model_id = v.model_id AND w.state NOT IN ('undone', 'dismissed'))`
    )
    .all(modelId) as VerdictRow[]
  return new Map(rows.map((r) => [r.image_id, toVerdict(r)]))
}

const emptyCounts = (): FrameCounts => ({ tp: 0, fp: 0, fn: 0, tn: 0 })

export interface AssembledQueue {
  items: ReviewItem[]
  counts: Record<string, FrameCounts>
  countsByView: Record<string, Record<string, FrameCounts>>
  pending: number
}

/**
 * Items for the frames whose statistics are ready, filtered by class and
 * verdict, sorted for review; frames still being computed are counted as pending.
 */
export function assembleQueue(
  frames: FrameRow[],
  stats: ReadonlyMap<number, FrameStats>,
  fresh: (s: FrameStats) => boolean,
  verdicts: ReadonlyMap<number, ReviewVerdict>,
  classes: ClassDef[],
  thresholds: Thresholds,
  filter: ReviewFilter
): AssembledQueue {
  const chosen = filter.classIds && filter.classIds.length > 0 ? new Set(filter.classIds) : null
  const wantVerdicts = filter.verdicts && filter.verdicts.length > 0 ? new Set<string>(filter.verdicts) : null
  const countedClasses = classes.filter((c) => !chosen || chosen.has(c.id))
  const counts: Record<string, FrameCounts> = Object.fromEntries(countedClasses.map((c) => [String(c.id), emptyCounts()]))
  const countsByView: Record<string, Record<string, FrameCounts>> = {}
  const items: ReviewItem[] = []
  let pending = 0
  for (const f of frames) {
    const s = stats.get(f.id)
    if (!s || !fresh(s)) {
      pending++
      continue
    }
    const verdict = verdicts.get(f.id) ?? null
    if (wantVerdicts && !wantVerdicts.has(verdict?.verdict ?? 'none')) continue
    // Classes the model has no output for have no histogram: nothing predicted, nothing counted.
    const mapped = classes.filter((c) => s.hists.has(c.id))
    const perClass = mapped.map((c) => {
      const h = s.hists.get(c.id)!
      const k = ruleCounts(h, c, s.joint, mapped, thresholds)
      return { cls: c, t: thresholds[c.name]!, k, maxProb: maxProbability(h) }
    })
    const relevant = perClass.filter((p) => !chosen || chosen.has(p.cls.id))
    if (chosen && !relevant.some((p) => p.k.tp + p.k.fp + p.k.fn > 0)) continue
    const item: ReviewItem = {
      imageId: f.id,
      relPath: f.rel_path,
      view: f.view,
      split: f.split,
      status: f.status,
      width: s.width,
      height: s.height,
      classes: perClass.map((p) => ({
        classId: p.cls.id,
        predicted: p.k.tp + p.k.fp,
        outside: p.k.fp,
        missed: p.k.fn,
        labelled: p.k.tp + p.k.fn,
        maxProb: p.maxProb,
        outcome: frameOutcome(p.k)
      })),
      evidence: evidenceOf({
        area: s.width * s.height,
        normal: f.status === 'normal',
        score: f.score,
        classes: relevant.map((p) => ({ kind: p.cls.kind, counts: p.k, maxProb: p.maxProb, threshold: p.t }))
      }),
      verdict,
      version: { predictionAt: s.predictionAt, labelsRev: s.labelsRev }
    }
    items.push(item)
    const byView = (countsByView[f.view] ??= Object.fromEntries(countedClasses.map((c) => [String(c.id), emptyCounts()])))
    for (const c of item.classes) {
      const key = String(c.classId)
      if (!counts[key]) continue
      counts[key][c.outcome]++
      byView[key]![c.outcome]++
    }
  }
  return { items: sortByEvidence(items), counts, countsByView, pending }
}
