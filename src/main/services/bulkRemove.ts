/**
 * Removing frames from the workspace so they can be put back exactly. The
 * image files are never touched: only the frame's rows go, and before they
 * go, every row the deletion would take with it (found from the schema's
 * ON DELETE CASCADE keys, so a table a later migration hangs off images is
 * kept too) is written as JSON into bulk_action_frames.removed. Restoring
 * inserts the rows again with their ids.
 */
import type { Database, Statement } from 'better-sqlite3'
import { StudioError } from '../../shared/contract'
import type { Workspace } from './workspace'

/** A table whose rows go with their parent's: `column` refers to `parent`.`parentColumn`. */
interface CascadeLink {
  table: string
  column: string
  parent: string
  parentColumn: string
}

interface ForeignKey {
  table: string
  from: string
  to: string | null
  on_delete: string
}

interface TableShape {
  columns: Set<string>
  /** The INTEGER PRIMARY KEY column (the rowid), when the table has one. */
  rowidKey: string | null
  /** Keys to tables outside the removed set (classes, models, runs). */
  outside: { column: string; parent: string; parentColumn: string; onDelete: string; notNull: boolean }[]
}

type Row = Record<string, unknown>
/** One frame's rows by table, images first, each table after the one it hangs from. */
export type FrameRecord = Record<string, Row[]>

const BLOB = '$base64'

function tableNames(db: Database): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
}

function foreignKeys(db: Database, table: string): ForeignKey[] {
  return db.prepare(`SELECT * FROM pragma_foreign_key_list(?)`).all(table) as ForeignKey[]
}

/** The cascade tree under images, breadth first: a table always comes after its parent. */
export function cascadeLinks(db: Database): CascadeLink[] {
  const tables = tableNames(db)
  const links: CascadeLink[] = []
  const reached = ['images']
  for (let i = 0; i < reached.length; i++) {
    const parent = reached[i]!
    for (const t of tables) {
      if (reached.includes(t)) continue
      for (const fk of foreignKeys(db, t)) {
        if (fk.table !== parent || fk.on_delete.toUpperCase() !== 'CASCADE') continue
        links.push({ table: t, column: fk.from, parent, parentColumn: fk.to ?? 'id' })
        reached.push(t)
        break
      }
    }
  }
  return links
}

function shapeOf(db: Database, table: string, inSet: Set<string>): TableShape {
  const info = db.prepare('SELECT name, type, pk, "notnull" AS not_null FROM pragma_table_info(?)').all(table) as {
    name: string
    type: string
    pk: number
    not_null: number
  }[]
  const pks = info.filter((c) => c.pk > 0)
  const rowidKey = pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER' ? pks[0]!.name : null
  const outside = foreignKeys(db, table)
    .filter((fk) => !inSet.has(fk.table))
    .map((fk) => ({
      column: fk.from,
      parent: fk.table,
      parentColumn: fk.to ?? 'id',
      onDelete: fk.on_delete.toUpperCase(),
      notNull: info.find((c) => c.name === fk.from)?.not_null === 1
    }))
  return { columns: new Set(info.map((c) => c.name)), rowidKey, outside }
}

function toJsonValue(v: unknown): unknown {
  return Buffer.isBuffer(v) ? { [BLOB]: v.toString('base64') } : v
}

function fromJsonValue(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && BLOB in v) return Buffer.from(String((v as Record<string, unknown>)[BLOB]), 'base64')
  return v
}

/**
 * Archives the frames' rows into bulk_action_frames under `actionId`, then
 * deletes the frames. Call inside the action's transaction.
 */
export function removeFrames(ws: Workspace, actionId: number, imageIds: readonly number[]): void {
  const db = ws.db
  const idsJson = JSON.stringify(imageIds)
  const records = new Map<number, FrameRecord>()
  /** For each table in the tree: the frame each of its rows belongs to, by the column its children refer to. */
  const owners = new Map<string, Map<string, Map<unknown, number>>>()
  const remember = (table: string, row: Row, imageId: number): void => {
    const byColumn = owners.get(table)
    if (!byColumn) return
    for (const [column, map] of byColumn) map.set(row[column], imageId)
  }
  const links = cascadeLinks(db)
  for (const link of links) {
    const cols = owners.get(link.parent) ?? new Map<string, Map<unknown, number>>()
    if (!cols.has(link.parentColumn)) cols.set(link.parentColumn, new Map())
    owners.set(link.parent, cols)
  }
  const add = (imageId: number, table: string, row: Row): void => {
    let rec = records.get(imageId)
    if (!rec) records.set(imageId, (rec = {}))
    ;(rec[table] ??= []).push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, toJsonValue(v)])))
    remember(table, row, imageId)
  }

  for (const row of db.prepare('SELECT * FROM images WHERE id IN (SELECT value FROM json_each(?))').all(idsJson) as Row[]) {
    add(row['id'] as number, 'images', row)
  }
  for (const link of links) {
    const parentOwners = owners.get(link.parent)!.get(link.parentColumn)!
    // Rows of a table under images are found through their parent's rows already read.
    const keys = JSON.stringify([...parentOwners.keys()])
    const rows = db.prepare(`SELECT * FROM "${link.table}" WHERE "${link.column}" IN (SELECT value FROM json_each(?))`).all(keys) as Row[]
    for (const row of rows) {
      const imageId = parentOwners.get(row[link.column])
      if (imageId !== undefined) add(imageId, link.table, row)
    }
  }

  const keep = db.prepare('INSERT INTO bulk_action_frames (action_id, image_id, removed) VALUES (?, ?, ?)')
  for (const [imageId, rec] of records) keep.run(actionId, imageId, JSON.stringify(rec))
  db.prepare('DELETE FROM images WHERE id IN (SELECT value FROM json_each(?))').run(idsJson)
}

/**
 * Puts removed frames back with their ids. A frame whose file is in the
 * workspace again (imported since: same content or same path) stays as it is
 * now and counts as a conflict. An id taken since gets a new one, and the rows
 * under it follow. Rows that refer to something deleted since (a model, a run)
 * go as the deletion would have taken them; a label whose class is gone stops
 * the restore with a message, and nothing changes.
 */
export function restoreFrames(ws: Workspace, actionId: number): { restored: number; conflicts: number } {
  const db = ws.db
  const links = cascadeLinks(db)
  const order = ['images', ...links.map((l) => l.table)]
  const inSet = new Set(order)
  const shapes = new Map(order.map((t) => [t, shapeOf(db, t, inSet)]))
  const parentOf = new Map(links.map((l) => [l.table, l]))
  const exists = new Map<string, Statement<unknown[]>>()
  const existsStmt = (table: string, column: string): Statement<unknown[]> => {
    const key = `${table}.${column}`
    let stmt = exists.get(key)
    if (!stmt) exists.set(key, (stmt = db.prepare(`SELECT 1 FROM "${table}" WHERE "${column}" = ? LIMIT 1`).pluck()))
    return stmt
  }
  const sameFile = db.prepare('SELECT 1 FROM images WHERE hash = ? OR (root_id = ? AND rel_path = ?) LIMIT 1').pluck()
  const inserts = new Map<string, Statement<unknown[]>>()
  const insert = (table: string, row: Row): number => {
    const cols = Object.keys(row)
    const key = `${table}(${cols.join(',')})`
    let stmt = inserts.get(key)
    if (!stmt) {
      stmt = db.prepare(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
      inserts.set(key, stmt)
    }
    return Number(stmt.run(...cols.map((c) => row[c])).lastInsertRowid)
  }

  const frames = db.prepare('SELECT image_id, removed FROM bulk_action_frames WHERE action_id = ? ORDER BY image_id').all(actionId) as {
    image_id: number
    removed: string | null
  }[]
  let restored = 0
  let conflicts = 0
  for (const frame of frames) {
    if (!frame.removed) continue
    const rec = JSON.parse(frame.removed) as FrameRecord
    const image = rec['images']?.[0]
    if (!image) continue
    if (sameFile.get(image['hash'], image['root_id'], image['rel_path'])) {
      conflicts++
      continue
    }
    /** Old key -> new key, per table and column, for the ids that had to change. */
    const moved = new Map<string, Map<unknown, unknown>>()
    /** Rows dropped because what they hung from is gone. */
    const dropped = new Map<string, Set<unknown>>()
    for (const table of order) {
      const shape = shapes.get(table)!
      const link = parentOf.get(table)
      for (const stored of rec[table] ?? []) {
        const row: Row = {}
        for (const [k, v] of Object.entries(stored)) if (shape.columns.has(k)) row[k] = fromJsonValue(v)
        if (link) {
          if (dropped.get(link.parent)?.has(row[link.column])) {
            markDropped(dropped, table, shape, row, links)
            continue
          }
          const to = moved.get(`${link.parent}.${link.parentColumn}`)?.get(row[link.column])
          if (to !== undefined) row[link.column] = to
        }
        let keep = true
        for (const fk of shape.outside) {
          const v = row[fk.column]
          if (v === null || v === undefined || existsStmt(fk.parent, fk.parentColumn).get(v)) continue
          if (fk.onDelete === 'CASCADE') keep = false
          else if (fk.onDelete === 'SET NULL' || !fk.notNull) row[fk.column] = null
          else {
            throw new StudioError(
              'conflict',
              `Cannot restore ${String(image['rel_path'])}: a row of its ${table} refers to ${fk.parent} id ${String(v)}, deleted since the removal. Nothing was restored.`
            )
          }
        }
        if (!keep) {
          markDropped(dropped, table, shape, row, links)
          continue
        }
        const key = shape.rowidKey
        if (key && row[key] !== null && row[key] !== undefined && existsStmt(table, key).get(row[key])) {
          const old = row[key]
          delete row[key]
          const fresh = insert(table, row)
          const m = moved.get(`${table}.${key}`) ?? new Map<unknown, unknown>()
          m.set(old, fresh)
          moved.set(`${table}.${key}`, m)
        } else {
          insert(table, row)
        }
      }
    }
    restored++
  }
  return { restored, conflicts }
}

/** Remembers a skipped row's keys its children refer to, so they are skipped too. */
function markDropped(dropped: Map<string, Set<unknown>>, table: string, shape: TableShape, row: Row, links: CascadeLink[]): void {
  for (const l of links) {
    if (l.parent !== table || !shape.columns.has(l.parentColumn)) continue
    const set = dropped.get(table) ?? new Set<unknown>()
    set.add(row[l.parentColumn])
    dropped.set(table, set)
  }
}
