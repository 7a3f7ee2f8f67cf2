import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  StudioError,
  type ImageDetail,
  type ImageFilter,
  type ImagePage,
  type ImageStats,
  type ImageSummary,
  type Thumbnail
} from '../../shared/contract'
import type { ImageStatus } from '../../shared/domain'
import { makeThumbnail, thumbnailPath } from './imaging/thumbnails'
import type { Workspace } from './workspace'
import { appendAll } from '../../shared/arrays'

interface ImageRow {
  id: number
  root_id: number
  rel_path: string
  hash: string
  width: number
  height: number
  view: ImageSummary['view']
  split: ImageSummary['split']
  status: ImageStatus
  imported_at: string
  class_ids: string | null
  label_count: number
}

/** WHERE clause and parameters for a filter; every list and count uses it. */
export function filterSql(filter: ImageFilter = {}): { where: string; params: unknown[] } {
  const parts: string[] = []
  const params: unknown[] = []
  const inList = (column: string, values: readonly unknown[] | undefined): void => {
    if (!values || values.length === 0) return
    parts.push(`${column} IN (${values.map(() => '?').join(', ')})`)
    appendAll(params, values)
  }
  inList('i.view', filter.views)
  inList('i.status', filter.statuses)
  inList('i.split', filter.splits)
  if (filter.classIds && filter.classIds.length > 0) {
    parts.push(
      `EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id AND l.deleted_at IS NULL AND l.class_id IN (${filter.classIds
        .map(() => '?')
        .join(', ')}))`
    )
    appendAll(params, filter.classIds)
  }
  if (filter.search) {
    parts.push("i.rel_path LIKE ? ESCAPE '\\'")
    params.push(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
  }
  if (filter.importId !== undefined) {
    parts.push('i.import_id = ?')
    params.push(filter.importId)
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params }
}

const SUMMARY_COLUMNS = `i.id, i.root_id, i.rel_path, i.hash, i.width, i.height, i.view, i.split, i.status, i.imported_at,
  (SELECT group_concat(DISTINCT l.class_id) FROM labels l WHERE l.image_id = i.id AND l.deleted_at IS NULL) AS class_ids,
  (SELECT count(*) FROM labels l WHERE l.image_id = i.id AND l.deleted_at IS NULL) AS label_count`

function toSummary(r: ImageRow): ImageSummary {
  return {
    id: r.id,
    relPath: r.rel_path,
    width: r.width,
    height: r.height,
    view: r.view,
    split: r.split,
    status: r.status,
    classIds: r.class_ids ? r.class_ids.split(',').map(Number).sort((a, b) => a - b) : [],
    labelCount: r.label_count
  }
}

// Frames are ordered by view then path, so a strip's frames follow each other.
const ORDER = 'ORDER BY i.view, i.rel_path, i.id'

export function queryImages(ws: Workspace, filter: ImageFilter, offset: number, limit: number): ImagePage {
  const { where, params } = filterSql(filter)
  const { total } = ws.db.prepare(`SELECT count(*) AS total FROM images i ${where}`).get(...params) as { total: number }
  const rows = ws.db
    .prepare(`SELECT ${SUMMARY_COLUMNS} FROM images i ${where} ${ORDER} LIMIT ? OFFSET ?`)
    .all(...params, limit, offset) as ImageRow[]
  return { total, offset, items: rows.map(toSummary) }
}

export function imageIds(ws: Workspace, filter: ImageFilter): number[] {
  const { where, params } = filterSql(filter)
  return (ws.db.prepare(`SELECT i.id FROM images i ${where} ${ORDER}`).pluck().all(...params) as number[])
}

function getRow(ws: Workspace, id: number): ImageRow {
  const row = ws.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM images i WHERE i.id = ?`).get(id) as ImageRow | undefined
  if (!row) throw new StudioError('not_found', `No image with id ${id}`)
  return row
}

export function getImage(ws: Workspace, id: number): ImageDetail {
  const row = getRow(ws, id)
  const splitGroup = ws.db.prepare('SELECT split_group FROM images WHERE id = ?').pluck().get(id) as string | null
  return {
    ...toSummary(row),
    hash: row.hash,
    absPath: join(ws.rootPath(row.root_id), row.rel_path),
    importedAt: row.imported_at,
    splitGroup
  }
}

export function imageStats(ws: Workspace, filter: ImageFilter = {}): ImageStats {
  const { where, params } = filterSql(filter)
  const group = (column: string): Record<string, number> => {
    const rows = ws.db
      .prepare(`SELECT ${column} AS k, count(*) AS n FROM images i ${where} GROUP BY ${column}`)
      .all(...params) as { k: string; n: number }[]
    return Object.fromEntries(rows.map((r) => [r.k, r.n]))
  }
  const byClassRows = ws.db
    .prepare(
      `SELECT l.class_id AS k, count(DISTINCT l.image_id) AS n FROM labels l
       JOIN images i ON i.id = l.image_id ${where ? `${where} AND` : 'WHERE'} l.deleted_at IS NULL GROUP BY l.class_id`
    )
    .all(...params) as { k: number; n: number }[]
  const { total } = ws.db.prepare(`SELECT count(*) AS total FROM images i ${where}`).get(...params) as { total: number }
  return {
    total,
    byView: group('i.view'),
    byStatus: group('i.status'),
    bySplit: group('i.split'),
    byClass: Object.fromEntries(byClassRows.map((r) => [String(r.k), r.n]))
  }
}

export function setStatus(ws: Workspace, ids: number[], status: ImageStatus): number {
  const stmt = ws.db.prepare('UPDATE images SET status = ? WHERE id = ?')
  let changed = 0
  ws.db.transaction(() => {
    for (const id of ids) changed += stmt.run(status, id).changes
  })()
  return changed
}

/** Thumbnails from the cache; a missing one is made again from the source image. */
export async function thumbnails(ws: Workspace, ids: number[]): Promise<Thumbnail[]> {
  const out: Thumbnail[] = []
  for (const id of ids) {
    const row = ws.db.prepare('SELECT root_id, rel_path, hash FROM images WHERE id = ?').get(id) as
      | Pick<ImageRow, 'root_id' | 'rel_path' | 'hash'>
      | undefined
    if (!row) continue
    const file = thumbnailPath(ws.paths.thumbs, row.hash)
    let data: Buffer
    try {
      data = await readFile(file)
    } catch {
      try {
        const source = await readFile(join(ws.rootPath(row.root_id), row.rel_path))
        data = await makeThumbnail(source, file)
      } catch {
        continue // source moved or unreadable: the grid shows a placeholder
      }
    }
    out.push({ id, mime: 'image/jpeg', data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) })
  }
  return out
}
