/**
 * Bulk actions on a grid selection: mark normal or unlabelled, set the view,
 * set the split, remove from the workspace. Each is one transaction and one
 * row in bulk_actions, with the values it overwrote per frame, so one undo
 * takes the whole action back.
 */
import { StudioError } from '../../shared/contract'
import type { BulkAction, BulkHistoryEntry, BulkPreview, BulkResult, BulkUndoResult } from '../../shared/contract/namespaces/images'
import { nowIso } from '../db/connection'
import { removeFrames, restoreFrames } from './bulkRemove'
import { framesUsedForEvaluation } from './splits/restratify'
import type { Workspace } from './workspace'

interface FrameRow {
  id: number
  status: string
  view: string
  split: string
  split_group: string | null
  has_defect: number
}

interface Plan extends BulkPreview {
  /** The frames the action changes, in id order. */
  targets: number[]
}

const NEEDS_NO_DEFECTS = 'they have defect polygons (delete those first)'

function selectedRows(ws: Workspace, ids: readonly number[], withDefects: boolean): FrameRow[] {
  const defect = withDefects
    ? `EXISTS (SELECT 1 FROM labels l JOIN classes c ON c.id = l.class_id
         WHERE l.image_id = i.id AND l.deleted_at IS NULL AND c.kind = 'defect')`
    : '0'
  return ws.db
    .prepare(
      `SELECT i.id, i.status, i.view, i.split, i.split_group, ${defect} AS has_defect
       FROM images i WHERE i.id IN (SELECT value FROM json_each(?)) ORDER BY i.id`
    )
    .all(JSON.stringify([...new Set(ids)])) as FrameRow[]
}

function plan(ws: Workspace, ids: readonly number[], action: BulkAction): Plan {
  const rows = selectedRows(ws, ids, action.kind === 'status')
  const base = { frames: rows.length, skipped: 0, skippedReason: null as string | null, unchanged: 0, groupMembers: 0, usedByRuns: 0 }
  const used = (targets: number[]): number => {
    if (targets.length === 0) return 0
    const locked = framesUsedForEvaluation(ws)
    return targets.filter((id) => locked.has(id)).length
  }
  switch (action.kind) {
    case 'status': {
      const targets: number[] = []
      for (const r of rows) {
        if (r.status === action.status) base.unchanged++
        else if (r.has_defect) base.skipped++
        else targets.push(r.id)
      }
      return { ...base, skippedReason: base.skipped > 0 ? NEEDS_NO_DEFECTS : null, targets, changes: targets.length }
    }
    case 'view': {
      const targets = rows.filter((r) => r.view !== action.view).map((r) => r.id)
      return { ...base, unchanged: rows.length - targets.length, targets, changes: targets.length }
    }
    case 'split': {
      // A split group (one coil) moves as a whole, or near-copies would sit in training and test at once.
      const groups = [...new Set(rows.map((r) => r.split_group).filter((g): g is string => g !== null))]
      const selected = new Set(rows.map((r) => r.id))
      const members = groups.length
        ? (ws.db
            .prepare('SELECT id, split FROM images WHERE split_group IN (SELECT value FROM json_each(?)) ORDER BY id')
            .all(JSON.stringify(groups)) as { id: number; split: string }[])
        : []
      const all = new Map<number, string>(rows.map((r) => [r.id, r.split]))
      for (const m of members) all.set(m.id, m.split)
      const targets = [...all].filter(([, s]) => s !== action.split).map(([id]) => id).sort((a, b) => a - b)
      return {
        ...base,
        unchanged: rows.filter((r) => r.split === action.split).length,
        groupMembers: targets.filter((id) => !selected.has(id)).length,
        usedByRuns: used(targets),
        targets,
        changes: targets.length
      }
    }
    case 'remove': {
      const targets = rows.map((r) => r.id)
      return { ...base, usedByRuns: used(targets), targets, changes: targets.length }
    }
  }
}

export function previewBulk(ws: Workspace, ids: readonly number[], action: BulkAction): BulkPreview {
  const { targets: _targets, ...preview } = plan(ws, ids, action)
  return preview
}

function valueOf(action: BulkAction): string | null {
  switch (action.kind) {
    case 'status':
      return action.status
    case 'view':
      return action.view
    case 'split':
      return action.split
    case 'remove':
      return null
  }
}

const n = (count: number, one: string, many = `${one}s`): string => `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`

function describe(action: BulkAction, p: Plan): string {
  const parts: string[] = []
  switch (action.kind) {
    case 'status':
      parts.push(`Marked ${n(p.changes, 'frame')} ${action.status === 'normal' ? 'normal' : 'unlabelled'}`)
      break
    case 'view':
      parts.push(`Set view ${action.view} on ${n(p.changes, 'frame')}`)
      break
    case 'split':
      parts.push(`Moved ${n(p.changes, 'frame')} to ${action.split}`)
      if (p.groupMembers > 0) parts.push(`${n(p.groupMembers, 'frame')} of that moved with their split group`)
      if (p.usedByRuns > 0) parts.push(`${n(p.usedByRuns, 'frame')} had been used by a run's validation or test set`)
      break
    case 'remove':
      parts.push(`Removed ${n(p.changes, 'frame')} from the workspace (image files untouched)`)
      break
  }
  if (p.skipped > 0) parts.push(`${n(p.skipped, 'frame')} skipped: ${p.skippedReason ?? ''}`)
  if (p.unchanged > 0) parts.push(`${n(p.unchanged, 'frame')} already so`)
  return `${parts.join('; ')}.`
}

/** Does the action in one transaction and returns the token its undo takes. */
export function applyBulk(ws: Workspace, ids: readonly number[], action: BulkAction, author: string): BulkResult {
  return ws.db.transaction((): BulkResult => {
    const p = plan(ws, ids, action)
    const { targets, ...preview } = p
    if (targets.length === 0) return { ...preview, undoToken: null, message: describe(action, p) }
    const actionId = Number(
      ws.db
        .prepare('INSERT INTO bulk_actions (kind, value, selected, changed, skipped, author, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(action.kind, valueOf(action), p.frames, p.changes, p.skipped, author, nowIso()).lastInsertRowid
    )
    const targetsJson = JSON.stringify(targets)
    if (action.kind === 'remove') removeFrames(ws, actionId, targets)
    else {
      ws.db
        .prepare(
          `INSERT INTO bulk_action_frames (action_id, image_id, status, view, split, stratum)
           SELECT ?, id, status, view, split, stratum FROM images WHERE id IN (SELECT value FROM json_each(?))`
        )
        .run(actionId, targetsJson)
      const set =
        action.kind === 'status'
          ? 'status = @value'
          : action.kind === 'split'
            ? 'split = @value'
            : // The stratum (view|class) names the view: it follows, so splits stay balanced per view.
              `view = @value, stratum = CASE WHEN substr(stratum, 1, length(view) + 1) = view || '|'
                 THEN @value || substr(stratum, length(view) + 1) ELSE stratum END`
      ws.db.prepare(`UPDATE images SET ${set} WHERE id IN (SELECT value FROM json_each(@ids))`).run({ value: valueOf(action), ids: targetsJson })
    }
    return { ...preview, undoToken: actionId, message: describe(action, p) }
  })()
}

interface ActionRow {
  id: number
  kind: BulkAction['kind']
  value: string | null
  changed: number
  at: string
  undone_at: string | null
}

/**
 * Takes a bulk action back in one transaction. Only frames still as the
 * action left them are restored; one changed again since keeps its newer
 * value and counts as a conflict.
 */
export function undoBulk(ws: Workspace, undoToken: number): BulkUndoResult {
  return ws.db.transaction((): BulkUndoResult => {
    const action = ws.db.prepare('SELECT * FROM bulk_actions WHERE id = ?').get(undoToken) as ActionRow | undefined
    if (!action) throw new StudioError('not_found', `No bulk action ${undoToken} to undo`)
    if (action.undone_at) throw new StudioError('conflict', `That bulk action was already undone (${action.undone_at})`)
    const total = ws.db.prepare('SELECT count(*) FROM bulk_action_frames WHERE action_id = ?').pluck().get(undoToken) as number
    let restored: number
    let conflicts: number
    if (action.kind === 'remove') ({ restored, conflicts } = restoreFrames(ws, undoToken))
    else {
      const set =
        action.kind === 'status'
          ? 'status = f.status'
          : action.kind === 'split'
            ? 'split = f.split'
            : // Back to the stored stratum when it is still what the action made of it, else only its view part.
              `view = f.view, stratum = CASE
                 WHEN images.stratum = @value || substr(f.stratum, length(f.view) + 1) THEN f.stratum
                 WHEN substr(images.stratum, 1, length(@value) + 1) = @value || '|' THEN f.view || substr(images.stratum, length(@value) + 1)
                 ELSE images.stratum END`
      const column = action.kind === 'status' ? 'status' : action.kind
      restored = ws.db
        .prepare(
          `UPDATE images SET ${set} FROM bulk_action_frames f
           WHERE f.action_id = @token AND f.image_id = images.id AND images.${column} = @value`
        )
        .run({ value: action.value, token: undoToken }).changes
      conflicts = total - restored
    }
    ws.db.prepare('UPDATE bulk_actions SET undone_at = ? WHERE id = ?').run(nowIso(), undoToken)
    const what = action.kind === 'remove' ? 'Restored' : 'Undid the change on'
    const message =
      `${what} ${n(restored, 'frame')}` +
      (conflicts > 0
        ? `; ${n(conflicts, 'frame')} left as ${action.kind === 'remove' ? 'they are: imported again since' : 'they are: changed again since'}.`
        : '.')
    return { restored, conflicts, message }
  })()
}

export function bulkHistory(ws: Workspace, limit = 20): BulkHistoryEntry[] {
  const rows = ws.db.prepare('SELECT * FROM bulk_actions ORDER BY id DESC LIMIT ?').all(limit) as ActionRow[]
  return rows.map((r) => ({ undoToken: r.id, kind: r.kind, value: r.value, changed: r.changed, at: r.at, undone: r.undone_at !== null }))
}
