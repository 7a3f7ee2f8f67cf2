/**
 * The class history (class_history, migration 7): one row per change to the
 * class list, written in the same transaction as the change. Undo reads it
 * back (classUndo.ts); runs and models compare their creation time with it to
 * say what changed since they were trained.
 */
import { StudioError } from '../../shared/contract'
import type { ClassChange, ClassChangeOp, ClassesSinceRun } from '../../shared/contract/namespaces/classes'
import type { ClassDef } from '../../shared/domain'
import { nowIso } from '../db/connection'
import { modelClassNames } from './review/models'
import type { Workspace } from './workspace'

export interface ChangeRecord {
  op: ClassChangeOp
  classId: number | null
  targetId?: number | null
  before: ClassDef | null
  after: ClassDef | null
  /** What undo needs; always holds `order`, the class ids in list order before the change. */
  undo: { order: number[] } & Record<string, unknown>
  summary: string
  author: string
}

export interface HistoryRow {
  id: number
  op: ClassChangeOp
  class_id: number | null
  target_id: number | null
  before: string | null
  after: string | null
  undo: string
  summary: string
  author: string
  at: string
  undone_at: string | null
  undone_by: string | null
}

/** Class ids in list order. */
export function orderIds(ws: Workspace): number[] {
  return ws.db.prepare('SELECT id FROM classes ORDER BY position, id').pluck().all() as number[]
}

export function recordChange(ws: Workspace, c: ChangeRecord): number {
  const res = ws.db
    .prepare(
      `INSERT INTO class_history (op, class_id, target_id, before, after, undo, summary, author, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    .run(
      c.op,
      c.classId,
      c.targetId ?? null,
      c.before ? JSON.stringify(c.before) : null,
      c.after ? JSON.stringify(c.after) : null,
      JSON.stringify(c.undo),
      c.summary,
      c.author,
      nowIso()
    )
  return Number(res.lastInsertRowid)
}

export function toChange(r: HistoryRow): ClassChange {
  return {
    id: r.id,
    op: r.op,
    classId: r.class_id,
    targetId: r.target_id,
    summary: r.summary,
    author: r.author,
    at: r.at,
    undoneAt: r.undone_at,
    undoneBy: r.undone_by
  }
}

export function getChange(ws: Workspace, id: number): ClassChange {
  const row = ws.db.prepare('SELECT * FROM class_history WHERE id = ?').get(id) as HistoryRow | undefined
  if (!row) throw new StudioError('not_found', `No class change ${id}`)
  return toChange(row)
}

/** Newest first, undone ones included (they say so). */
export function classHistory(ws: Workspace, limit = 200): ClassChange[] {
  return (ws.db.prepare('SELECT * FROM class_history ORDER BY id DESC LIMIT ?').all(limit) as HistoryRow[]).map(toChange)
}

/**
 * What a run trained on (its model's own class list, which never follows the
 * workspace) and the class changes since the run was created, oldest first.
 * Undone changes are left out: the list is as it was for them.
 */
export function classesSinceRun(ws: Workspace, runId: number): ClassesSinceRun {
  const run = ws.db.prepare('SELECT created_at FROM runs WHERE id = ?').get(runId) as { created_at: string } | undefined
  if (!run) throw new StudioError('not_found', `No run ${runId}`)
  const modelId = ws.db.prepare('SELECT id FROM models WHERE run_id = ? ORDER BY id DESC LIMIT 1').pluck().get(runId) as number | undefined
  const rows = ws.db.prepare('SELECT * FROM class_history WHERE at > ? AND undone_at IS NULL ORDER BY id').all(run.created_at) as HistoryRow[]
  return { runId, trainedOn: modelId !== undefined ? modelClassNames(ws, modelId) : null, changes: rows.map(toChange) }
}
