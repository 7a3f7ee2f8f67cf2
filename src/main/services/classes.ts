/**
 * The class list: reading it, adding and editing classes, their order. Every
 * change is recorded in class_history (see classHistory.ts) in the same
 * transaction, so the list and its history never disagree. Merge and delete
 * are in classRemoval.ts.
 */
import { StudioError, type ClassInput, type ClassPatch } from '../../shared/contract'
import type { ClassUsage } from '../../shared/contract/namespaces/classes'
import type { ClassDef, ClassKind } from '../../shared/domain'
import { orderIds, recordChange } from './classHistory'
import type { Workspace } from './workspace'

const PALETTE = ['#3cb44b', '#ffe119', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080', '#e6beff', '#9a6324']

/** Who a change is recorded under when the caller names nobody (imports, the CLI). */
export const SYSTEM_AUTHOR = 'studio'

export function listClasses(ws: Workspace): ClassDef[] {
  return ws.db.prepare('SELECT id, name, color, kind, position FROM classes ORDER BY position, id').all() as ClassDef[]
}

export function getClass(ws: Workspace, id: number): ClassDef {
  const row = ws.db.prepare('SELECT id, name, color, kind, position FROM classes WHERE id = ?').get(id) as ClassDef | undefined
  if (!row) throw new StudioError('not_found', `No class with id ${id}`)
  return row
}

function uniqueName<T>(name: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new StudioError('conflict', `A class named "${name}" already exists`)
    }
    throw err
  }
}

/** Frames marked normal carrying live labels of the class: they would hold a defect if it became one. */
function normalFramesUsing(ws: Workspace, classId: number): number {
  return ws.db
    .prepare(
      `SELECT count(DISTINCT l.image_id) FROM labels l JOIN images i ON i.id = l.image_id
       WHERE l.class_id = ? AND l.deleted_at IS NULL AND i.status = 'normal'`
    )
    .pluck()
    .get(classId) as number
}

/** Refuses a change that would put defect labels on frames marked normal (the editor refuses the same). */
export function assertNoNormalFrames(ws: Workspace, classId: number, what: string): void {
  const n = normalFramesUsing(ws, classId)
  if (n > 0) {
    throw new StudioError(
      'conflict',
      `${what} would put defect labels on ${n} frame${n === 1 ? '' : 's'} marked normal; mark ${n === 1 ? 'it' : 'them'} unlabelled or delete those labels first.`
    )
  }
}

function describeEdit(before: ClassDef, after: ClassDef): string {
  const parts: string[] = []
  if (before.name !== after.name) parts.push(`${before.name} renamed to ${after.name}`)
  if (before.color.toLowerCase() !== after.color.toLowerCase()) parts.push(`${after.name} recoloured from ${before.color} to ${after.color}`)
  if (before.kind !== after.kind) parts.push(`${after.name} changed from ${before.kind} to ${after.kind}`)
  return parts.join('; ')
}

/**
 * Edits a class with only the fields given, each applied to the row as it is now:
 * a client holding an older copy of the class cannot undo a change it has not seen
 * (a colour saved a moment before a kind change, say). An edit that changes nothing records nothing.
 */
export function editClass(ws: Workspace, id: number, patch: ClassPatch, author: string = SYSTEM_AUTHOR): ClassDef {
  return ws.db.transaction(() => {
    const before = getClass(ws, id)
    const after: ClassDef = { ...before, ...definedOnly(patch) }
    const summary = describeEdit(before, after)
    if (!summary) return before
    if (before.kind === 'region' && after.kind === 'defect') assertNoNormalFrames(ws, before.id, `Making ${before.name} a defect class`)
    uniqueName(after.name, () => ws.db.prepare('UPDATE classes SET name = ?, color = ?, kind = ? WHERE id = ?').run(after.name, after.color, after.kind, id))
    recordChange(ws, { op: 'update', classId: before.id, before, after, undo: { order: orderIds(ws) }, summary, author })
    return after
  })()
}

function definedOnly(patch: ClassPatch): ClassPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as ClassPatch
}

/** Adds a class at the end of the list, or overwrites one's name, colour and kind together. */
export function saveClass(ws: Workspace, input: ClassInput, author: string = SYSTEM_AUTHOR): ClassDef {
  if (input.id !== undefined) return editClass(ws, input.id, { name: input.name, color: input.color, kind: input.kind }, author)
  return ws.db.transaction(() => {
    const order = orderIds(ws)
    const { next } = ws.db.prepare('SELECT coalesce(max(position), 0) + 1 AS next FROM classes').get() as { next: number }
    const res = uniqueName(input.name, () =>
      ws.db.prepare('INSERT INTO classes (name, color, kind, position) VALUES (?, ?, ?, ?)').run(input.name, input.color, input.kind, next)
    )
    const cls = getClass(ws, Number(res.lastInsertRowid))
    recordChange(ws, { op: 'create', classId: cls.id, before: null, after: cls, undo: { order }, summary: `${cls.name} added (${cls.kind})`, author })
    return cls
  })()
}

/** Finds a class by name (case-insensitive) or creates it; imports use this for unknown labels. */
export function ensureClass(ws: Workspace, name: string, kind: ClassKind = 'defect', author: string = SYSTEM_AUTHOR): { cls: ClassDef; created: boolean } {
  const row = ws.db
    .prepare('SELECT id, name, color, kind, position FROM classes WHERE name = ? COLLATE NOCASE')
    .get(name) as ClassDef | undefined
  if (row) return { cls: row, created: false }
  const count = listClasses(ws).length
  const cls = saveClass(ws, { name, color: PALETTE[count % PALETTE.length]!, kind }, author)
  return { cls, created: true }
}

/** Positions 1..n in the given order; classes missing from `ids` keep their relative order after them. */
export function applyOrder(ws: Workspace, ids: readonly number[]): void {
  const known = new Set(listClasses(ws).map((c) => c.id))
  const first = ids.filter((id) => known.has(id))
  const rest = orderIds(ws).filter((id) => !first.includes(id))
  const set = ws.db.prepare('UPDATE classes SET position = ? WHERE id = ?')
  ;[...first, ...rest].forEach((id, i) => set.run(i + 1, id))
}

/**
 * A new order of the whole list (the editor's keys 1-9 and every export's
 * class value follow it). `ids` must name every class once.
 */
export function reorderClasses(ws: Workspace, ids: number[], author: string = SYSTEM_AUTHOR): ClassDef[] {
  return ws.db.transaction(() => {
    const classes = listClasses(ws)
    const before = classes.map((c) => c.id)
    const unknown = ids.filter((id) => !before.includes(id))
    if (unknown.length > 0) throw new StudioError('not_found', `No class with id ${unknown.join(', ')}`)
    if (new Set(ids).size !== ids.length || ids.length !== before.length) {
      throw new StudioError('invalid_argument', `A new order names every class once: ${before.length} classes, ${ids.length} given (the list may have changed; reload it).`)
    }
    if (ids.every((id, i) => before[i] === id) && classes.every((c, i) => c.position === i + 1)) return classes
    applyOrder(ws, ids)
    const name = new Map(classes.map((c) => [c.id, c.name]))
    const moved = ids.filter((id, i) => before[i] !== id).map((id) => `${name.get(id)} to ${ids.indexOf(id) + 1}`)
    recordChange(ws, {
      op: 'reorder',
      classId: null,
      before: null,
      after: null,
      undo: { order: before, newOrder: ids },
      summary: `order changed: ${moved.join(', ') || ids.map((id) => name.get(id)).join(', ')}`,
      author
    })
    return listClasses(ws)
  })()
}

/** Live labels and the frames they are on, per class (every class listed, unused ones with zeros). */
export function classUsage(ws: Workspace): ClassUsage[] {
  const rows = ws.db
    .prepare(
      `SELECT l.class_id AS classId, count(*) AS labels, count(DISTINCT l.image_id) AS frames,
         count(DISTINCT CASE WHEN i.status = 'normal' THEN l.image_id END) AS normalFrames
       FROM labels l JOIN images i ON i.id = l.image_id WHERE l.deleted_at IS NULL GROUP BY l.class_id`
    )
    .all() as ClassUsage[]
  const by = new Map(rows.map((r) => [r.classId, r]))
  return listClasses(ws).map((c) => by.get(c.id) ?? { classId: c.id, labels: 0, frames: 0, normalFrames: 0 })
}
