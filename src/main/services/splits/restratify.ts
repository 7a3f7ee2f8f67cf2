/**
 * Splits that follow the labels. A frame imported unlabelled (or normal) was
 * stratified as `view|none`; when it gets its first defect label it is
 * stratified again by the import's rule, so labelled defects spread into
 * validation and test instead of staying wherever the unlabelled frame fell.
 * A frame a run has validated or tested on keeps its split: moving it would
 * change what that run's figures mean. A split group moves as a whole.
 */
import type { DataSnapshot } from '../../../shared/contract'
import type { Split } from '../../../shared/domain'
import { chooseSplit, type SplitCounts } from '../import/split'
import { listClasses } from '../classes'
import type { Workspace } from '../workspace'

export interface Restratified {
  imageId: number
  stratum: string
  /** The split before and after; equal when the frame stayed (locked, or the rule kept it). */
  from: Split
  to: Split
  /** Every frame that moved with it (its split group), this one included. */
  moved: number[]
  /** Why it did not move, when it was a candidate. */
  kept?: 'used-by-run' | 'group-decided' | 'split-given'
}

/**
 * Call after a save that gave `imageId` its first defect label, inside the
 * same transaction. Returns null when there is nothing to do (no defect
 * label, or the frame was already stratified by a defect class).
 */
export function restratifyOnFirstDefect(ws: Workspace, imageId: number): Restratified | null {
  const image = ws.db.prepare('SELECT id, view, split, stratum, split_group FROM images WHERE id = ?').get(imageId) as
    | { id: number; view: string; split: Split; stratum: string; split_group: string | null }
    | undefined
  if (!image) return null
  const classes = listClasses(ws)
  const defectNames = new Set(classes.filter((c) => c.kind === 'defect').map((c) => c.name.toLowerCase()))
  const isDefectStratum = (stratum: string): boolean => defectNames.has(stratum.slice(stratum.indexOf('|') + 1).toLowerCase())
  if (isDefectStratum(image.stratum)) return null
  const present = new Set(
    ws.db.prepare('SELECT DISTINCT class_id FROM labels WHERE image_id = ? AND deleted_at IS NULL').pluck().all(imageId) as number[]
  )
  const top = classes.filter((c) => c.kind === 'defect' && present.has(c.id)).sort((a, b) => a.position - b.position)[0]
  if (!top) return null
  const stratum = `${image.view}|${top.name}`
  ws.db.prepare('UPDATE images SET stratum = ? WHERE id = ?').run(stratum, imageId)

  const members = image.split_group
    ? (ws.db.prepare('SELECT id, stratum FROM images WHERE split_group = ? ORDER BY id').all(image.split_group) as { id: number; stratum: string }[])
    : [{ id: imageId, stratum }]
  const base = { imageId, stratum, from: image.split, to: image.split, moved: [] as number[] }
  // A group another defect frame already placed stays where that frame put it.
  if (members.some((m) => m.id !== imageId && isDefectStratum(m.stratum))) return { ...base, kept: 'group-decided' }
  if (members.some((m) => splitWasGiven(ws, m.id))) return { ...base, kept: 'split-given' }
  const locked = framesUsedForEvaluation(ws)
  if (members.some((m) => locked.has(m.id))) return { ...base, kept: 'used-by-run' }

  const ids = members.map((m) => m.id)
  const counts: SplitCounts = { train: 0, val: 0, test: 0 }
  const rows = ws.db
    .prepare(
      `SELECT split, count(*) AS n FROM images WHERE stratum = ? AND id NOT IN (SELECT value FROM json_each(?)) GROUP BY split`
    )
    .all(stratum, JSON.stringify(ids)) as { split: Split; n: number }[]
  for (const r of rows) counts[r.split] = r.n
  const weight = members.filter((m) => (m.id === imageId ? stratum : m.stratum) === stratum).length
  const to = chooseSplit(counts, weight)
  const moved = ws.db.prepare('UPDATE images SET split = ? WHERE id IN (SELECT value FROM json_each(?)) AND split != ?').run(to, JSON.stringify(ids), to)
  return { ...base, to, moved: moved.changes > 0 ? ids : [] }
}

/**
 * A split someone chose decided for good: an import that put every frame into
 * one split (`--split test`: an external test set), or a bulk "set split" on
 * the grid that was not undone.
 */
function splitWasGiven(ws: Workspace, imageId: number): boolean {
  const setByHand = ws.db
    .prepare(
      `SELECT 1 FROM bulk_action_frames f JOIN bulk_actions a ON a.id = f.action_id
       WHERE f.image_id = ? AND a.kind = 'split' AND a.undone_at IS NULL LIMIT 1`
    )
    .get(imageId)
  if (setByHand) return true
  const options = ws.db.prepare('SELECT m.options FROM images i JOIN imports m ON m.id = i.import_id WHERE i.id = ?').pluck().get(imageId) as
    | string
    | undefined
  if (!options) return false
  try {
    return typeof (JSON.parse(options) as { split?: unknown }).split === 'string'
  } catch {
    return false
  }
}

/**
 * Frames some run validated or tested on: training and evaluation runs that
 * finished, or are queued or running (they will have used them). Failed and
 * cancelled runs left no model and lock nothing. Snapshots written before
 * valImageIds existed count their frames now in validation (frames never
 * moved before this module, so that is the split they were used in).
 */
export function framesUsedForEvaluation(ws: Workspace): Set<number> {
  const rows = ws.db
    .prepare(
      `SELECT kind, data_snapshot FROM runs
       WHERE kind IN ('train', 'eval') AND state IN ('done', 'queued', 'running', 'cancelling') AND data_snapshot IS NOT NULL`
    )
    .all() as { kind: string; data_snapshot: string }[]
  const out = new Set<number>()
  let valNow: Set<number> | null = null
  for (const r of rows) {
    let snap: Partial<DataSnapshot>
    try {
      snap = JSON.parse(r.data_snapshot) as Partial<DataSnapshot>
    } catch {
      continue
    }
    for (const id of snap.testImageIds ?? []) out.add(id)
    if (snap.valImageIds) for (const id of snap.valImageIds) out.add(id)
    else if (r.kind === 'train') {
      valNow ??= new Set(ws.db.prepare("SELECT id FROM images WHERE split = 'val'").pluck().all() as number[])
      for (const id of snap.imageIds ?? []) if (valNow.has(id)) out.add(id)
    }
  }
  return out
}
