import type { Label } from '../../shared/contract'
import type { LabelSource } from '../../shared/domain'
import { nowIso } from '../db/connection'
import type { Workspace } from './workspace'

interface LabelRow {
  id: number
  image_id: number
  class_id: number
  points: string
  source: LabelSource
  author: string
  revision: number
  created_at: string
  updated_at: string
}

function toLabel(r: LabelRow): Label {
  return {
    id: r.id,
    imageId: r.image_id,
    classId: r.class_id,
    points: JSON.parse(r.points) as number[],
    source: r.source,
    author: r.author,
    revision: r.revision,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

export function listLabels(ws: Workspace, imageId: number): Label[] {
  const rows = ws.db
    .prepare('SELECT * FROM labels WHERE image_id = ? AND deleted_at IS NULL ORDER BY id')
    .all(imageId) as LabelRow[]
  return rows.map(toLabel)
}

export interface NewLabel {
  imageId: number
  classId: number
  points: number[]
  source: LabelSource
  author: string
}

/** Inserts a label and its first revision. Call inside a transaction when adding many. */
export function addLabel(ws: Workspace, l: NewLabel): number {
  const at = nowIso()
  const points = JSON.stringify(l.points.map(round3))
  const res = ws.db
    .prepare(
      `INSERT INTO labels (image_id, class_id, points, source, author, revision, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?)`
    )
    .run(l.imageId, l.classId, points, l.source, l.author, at, at)
  const id = Number(res.lastInsertRowid)
  ws.db
    .prepare(
      `INSERT INTO label_revisions (label_id, image_id, revision, op, class_id, points, source, author, at)
       VALUES (?, ?, 1, 'create', ?, ?, ?, ?, ?)`
    )
    .run(id, l.imageId, l.classId, points, l.source, l.author, at)
  return id
}

/** Coordinates are kept to 1/1000 px: finer than any editor needs, and JSON stays short. */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000
}
