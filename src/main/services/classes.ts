import { StudioError, type ClassInput } from '../../shared/contract'
import type { ClassDef, ClassKind } from '../../shared/domain'
import type { Workspace } from './workspace'

const PALETTE = ['#3cb44b', '#ffe119', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080', '#e6beff', '#9a6324']

export function listClasses(ws: Workspace): ClassDef[] {
  return ws.db.prepare('SELECT id, name, color, kind, position FROM classes ORDER BY position, id').all() as ClassDef[]
}

export function saveClass(ws: Workspace, input: ClassInput): ClassDef {
  try {
    if (input.id !== undefined) {
      const res = ws.db
        .prepare('UPDATE classes SET name = ?, color = ?, kind = ? WHERE id = ?')
        .run(input.name, input.color, input.kind, input.id)
      if (res.changes === 0) throw new StudioError('not_found', `No class with id ${input.id}`)
      return getClass(ws, input.id)
    }
    const { next } = ws.db.prepare('SELECT coalesce(max(position), 0) + 1 AS next FROM classes').get() as { next: number }
    const res = ws.db
      .prepare('INSERT INTO classes (name, color, kind, position) VALUES (?, ?, ?, ?)')
      .run(input.name, input.color, input.kind, next)
    return getClass(ws, Number(res.lastInsertRowid))
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new StudioError('conflict', `A class named "${input.name}" already exists`)
    }
    throw err
  }
}

export function getClass(ws: Workspace, id: number): ClassDef {
  const row = ws.db.prepare('SELECT id, name, color, kind, position FROM classes WHERE id = ?').get(id) as ClassDef | undefined
  if (!row) throw new StudioError('not_found', `No class with id ${id}`)
  return row
}

/** Finds a class by name (case-insensitive) or creates it; imports use this for unknown labels. */
export function ensureClass(ws: Workspace, name: string, kind: ClassKind = 'defect'): { cls: ClassDef; created: boolean } {
  const row = ws.db
    .prepare('SELECT id, name, color, kind, position FROM classes WHERE name = ? COLLATE NOCASE')
    .get(name) as ClassDef | undefined
  if (row) return { cls: row, created: false }
  const count = listClasses(ws).length
  const cls = saveClass(ws, { name, color: PALETTE[count % PALETTE.length]!, kind })
  return { cls, created: true }
}
