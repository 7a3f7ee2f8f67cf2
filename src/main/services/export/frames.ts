/** The frames and labels an export reads, selected with the grid's own filter. */
import { posix } from 'node:path'
import type { ImageFilter } from '../../../shared/contract'
import type { ClassDef, ImageStatus, Split, ViewOrUnassigned } from '../../../shared/domain'
import { listClasses } from '../classes'
import { filterSql } from '../images'
import type { Workspace } from '../workspace'

export interface ExportLabel {
  id: number
  classId: number
  points: number[]
}

export interface ExportFrame {
  id: number
  rootId: number
  relPath: string
  hash: string
  width: number
  height: number
  view: ViewOrUnassigned
  split: Split
  status: ImageStatus
  labels: ExportLabel[]
}

export interface ExportSelection {
  classes: ClassDef[]
  frames: ExportFrame[]
  /** Absolute folder of each image root the frames come from. */
  roots: Map<number, string>
}

/** The frames the filter selects; with ids, only those of them (ids arrive as one JSON parameter, so 50,000 stay one statement). */
export function selectFrames(ws: Workspace, filter: ImageFilter = {}, ids?: readonly number[]): ExportSelection {
  const sql = filterSql(filter)
  let { where } = sql
  const params = [...sql.params]
  if (ids) {
    where = `${where ? `${where} AND` : 'WHERE'} i.id IN (SELECT value FROM json_each(?))`
    params.push(JSON.stringify(ids))
  }
  const rows = ws.db
    .prepare(
      `SELECT i.id, i.root_id, i.rel_path, i.hash, i.width, i.height, i.view, i.split, i.status
       FROM images i ${where} ORDER BY i.view, i.rel_path, i.id`
    )
    .all(...params) as {
    id: number
    root_id: number
    rel_path: string
    hash: string
    width: number
    height: number
    view: ViewOrUnassigned
    split: Split
    status: ImageStatus
  }[]
  const labelsOf = ws.db.prepare('SELECT id, class_id, points FROM labels WHERE image_id = ? AND deleted_at IS NULL ORDER BY id')
  const roots = new Map<number, string>()
  const frames = rows.map((r): ExportFrame => {
    if (!roots.has(r.root_id)) roots.set(r.root_id, ws.rootPath(r.root_id))
    const labels = (labelsOf.all(r.id) as { id: number; class_id: number; points: string }[]).map((l) => ({
      id: l.id,
      classId: l.class_id,
      points: JSON.parse(l.points) as number[]
    }))
    return {
      id: r.id,
      rootId: r.root_id,
      relPath: r.rel_path,
      hash: r.hash,
      width: r.width,
      height: r.height,
      view: r.view,
      split: r.split,
      status: r.status,
      labels
    }
  })
  return { classes: listClasses(ws), frames, roots }
}

/** Every image root of the workspace, absolute (an export never writes inside one). */
export function allRoots(ws: Workspace): string[] {
  const ids = ws.db.prepare('SELECT id FROM image_roots').pluck().all() as number[]
  return ids.map((id) => ws.rootPath(id))
}

/**
 * A unique output path per frame, from its path in its image root: frames
 * from different roots may share a path, so a later one gets its image id
 * appended to the stem. Compared case-insensitively, since the export may
 * land on a case-insensitive file system.
 */
export function outputNames(frames: readonly ExportFrame[]): Map<number, string> {
  const taken = new Set<string>()
  const out = new Map<number, string>()
  for (const f of frames) {
    let name = f.relPath.split('\\').join('/')
    if (taken.has(name.toLowerCase())) {
      const ext = posix.extname(name)
      name = `${name.slice(0, name.length - ext.length)}__${f.id}${ext}`
    }
    taken.add(name.toLowerCase())
    out.set(f.id, name)
  }
  return out
}

/** The stem of a frame's output name (its folder kept, its extension dropped). */
export function stemOf(name: string): string {
  return name.slice(0, name.length - posix.extname(name).length)
}

/** How many of the named frames are no longer in the workspace (removed since the selection was made). */
export function missingIds(ws: Workspace, ids: readonly number[]): number {
  const found = ws.db.prepare('SELECT count(*) FROM images WHERE id IN (SELECT value FROM json_each(?))').pluck().get(JSON.stringify(ids)) as number
  return new Set(ids).size - found
}
