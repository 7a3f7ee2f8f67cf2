/**
 * Undo of the newest class change not yet undone, one operation per step.
 * Each op is reversed from what class_history kept: the class row as it was,
 * the order, the labels a merge moved (by id, so each goes back to the class
 * it had) and the labels, revisions and verdicts a delete removed.
 */
import { StudioError } from '../../shared/contract'
import type { ClassChange } from '../../shared/contract/namespaces/classes'
import type { ClassDef } from '../../shared/domain'
import { nowIso } from '../db/connection'
import { applyOrder, assertNoNormalFrames, getClass } from './classes'
import { getChange, type HistoryRow } from './classHistory'
import { relabel } from './classRemoval'
import type { Workspace } from './workspace'

type Row = Record<string, unknown>

interface UndoData {
  order: number[]
  live?: number[]
  dead?: number[]
  verdicts?: number[] | Row[]
  labels?: Row[]
  revisions?: Row[]
  unlabelled?: number[]
}

function insertRow(ws: Workspace, table: string, row: Row): number {
  const cols = Object.keys(row)
  const res = ws.db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]))
  return Number(res.lastInsertRowid)
}

/** Puts a removed class back under its own id (labels and verdicts refer to it by id). */
function restoreClass(ws: Workspace, cls: ClassDef): void {
  if (ws.db.prepare('SELECT 1 FROM classes WHERE id = ?').get(cls.id)) throw new StudioError('conflict', `Class id ${cls.id} is taken again; ${cls.name} cannot come back.`)
  const taken = ws.db.prepare('SELECT name FROM classes WHERE name = ? COLLATE NOCASE').pluck().get(cls.name) as string | undefined
  if (taken) throw new StudioError('conflict', `${cls.name} cannot come back: a class named "${taken}" exists now. Rename it first.`)
  ws.db.prepare('INSERT INTO classes (id, name, color, kind, position) VALUES (?, ?, ?, ?, ?)').run(cls.id, cls.name, cls.color, cls.kind, cls.position)
}

function undoMerge(ws: Workspace, row: HistoryRow, data: UndoData, author: string): void {
  const source = JSON.parse(row.before!) as ClassDef
  const targetId = row.target_id!
  const ids = [...(data.live ?? []), ...(data.dead ?? [])]
  // Only labels still on the target go back: one deleted or reclassed since stays as the user left it.
  const still = ids.filter((id) => ws.db.prepare('SELECT 1 FROM labels WHERE id = ? AND class_id = ?').get(id, targetId))
  restoreClass(ws, source)
  const at = nowIso()
  for (const id of still) {
    const deleted = ws.db.prepare('SELECT deleted_at FROM labels WHERE id = ?').pluck().get(id) as string | null
    if (deleted === null) relabel(ws, id, source.id, author, at)
    else ws.db.prepare('UPDATE labels SET class_id = ? WHERE id = ?').run(source.id, id)
  }
  if (source.kind === 'defect') assertNoNormalFrames(ws, source.id, `Bringing ${source.name} back`)
  const verdict = ws.db.prepare('UPDATE review_verdicts SET class_id = ? WHERE id = ? AND class_id = ?')
  for (const id of (data.verdicts ?? []) as number[]) verdict.run(source.id, id, targetId)
  applyOrder(ws, data.order)
}

function undoDelete(ws: Workspace, row: HistoryRow, data: UndoData): void {
  const cls = JSON.parse(row.before!) as ClassDef
  restoreClass(ws, cls)
  const imageExists = ws.db.prepare('SELECT 1 FROM images WHERE id = ?')
  const idTaken = ws.db.prepare('SELECT 1 FROM labels WHERE id = ?')
  const newId = new Map<number, number>()
  for (const l of data.labels ?? []) {
    // A frame removed from the workspace since took its labels with it.
    if (!imageExists.get(l['image_id'])) continue
    const old = l['id'] as number
    const { id: _drop, ...rest } = l
    newId.set(old, idTaken.get(old) ? insertRow(ws, 'labels', rest) : insertRow(ws, 'labels', l))
  }
  // Revisions get new ids: review statistics and run comparisons read a newer revision id as "labels changed since".
  for (const r of data.revisions ?? []) {
    const labelId = newId.get(r['label_id'] as number)
    if (labelId === undefined) continue
    const { id: _drop, ...rest } = r
    insertRow(ws, 'label_revisions', { ...rest, label_id: labelId })
  }
  for (const v of (data.verdicts ?? []) as Row[]) {
    if (!imageExists.get(v['image_id'])) continue
    const model = v['model_id'] === null ? null : ws.db.prepare('SELECT 1 FROM models WHERE id = ?').get(v['model_id'])
    const { id: _drop, ...rest } = v
    insertRow(ws, 'review_verdicts', { ...rest, model_id: model ? v['model_id'] : null })
  }
  if (cls.kind === 'defect') assertNoNormalFrames(ws, cls.id, `Bringing ${cls.name} back with its labels`)
  const relabelled = ws.db.prepare("UPDATE images SET status = 'labeled' WHERE id = ? AND status = 'unlabeled'")
  for (const imageId of data.unlabelled ?? []) relabelled.run(imageId)
  applyOrder(ws, data.order)
}

/** Reverses the newest change not yet undone and marks it undone; the entry stays in the history. */
export function undoLastClassChange(ws: Workspace, author: string): ClassChange {
  return ws.db.transaction(() => {
    const row = ws.db.prepare('SELECT * FROM class_history WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1').get() as HistoryRow | undefined
    if (!row) throw new StudioError('not_found', 'Nothing to undo: every class change has been undone already.')
    const data = JSON.parse(row.undo) as UndoData
    switch (row.op) {
      case 'create': {
        const cls = JSON.parse(row.after!) as ClassDef
        const used = ws.db.prepare('SELECT count(*) FROM labels WHERE class_id = ?').pluck().get(cls.id) as number
        const verdicts = ws.db.prepare('SELECT count(*) FROM review_verdicts WHERE class_id = ?').pluck().get(cls.id) as number
        if (used + verdicts > 0) {
          throw new StudioError('conflict', `${cls.name} has labels now, so undoing its creation would lose them; delete or merge it instead.`)
        }
        ws.db.prepare('DELETE FROM classes WHERE id = ?').run(cls.id)
        applyOrder(ws, data.order)
        break
      }
      case 'update': {
        const before = JSON.parse(row.before!) as ClassDef
        const now = getClass(ws, before.id)
        if (now.kind === 'region' && before.kind === 'defect') assertNoNormalFrames(ws, before.id, `Making ${now.name} a defect class again`)
        const taken = ws.db.prepare('SELECT name FROM classes WHERE name = ? COLLATE NOCASE AND id <> ?').pluck().get(before.name, before.id) as string | undefined
        if (taken) throw new StudioError('conflict', `${now.name} cannot be renamed back to ${before.name}: a class named "${taken}" exists now.`)
        ws.db.prepare('UPDATE classes SET name = ?, color = ?, kind = ? WHERE id = ?').run(before.name, before.color, before.kind, before.id)
        break
      }
      case 'reorder':
        applyOrder(ws, data.order)
        break
      case 'merge':
        undoMerge(ws, row, data, author)
        break
      case 'delete':
        undoDelete(ws, row, data)
        break
    }
    ws.db.prepare('UPDATE class_history SET undone_at = ?, undone_by = ? WHERE id = ?').run(nowIso(), author, row.id)
    return getChange(ws, row.id)
  })()
}
