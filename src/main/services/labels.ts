import { StudioError, type Label, type LabelRevision } from '../../shared/contract'
import { clipToFrame, isSimple, isValidPolygon } from '../../shared/geometry/polygon'
import type { ImageStatus, LabelSource } from '../../shared/domain'
import { nowIso } from '../db/connection'
import { listClasses } from './classes'
import { isDiskFull } from './diskWrites'
import { restratifyOnFirstDefect } from './splits/restratify'
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

export interface LabelDraft {
  /** Present for a label that already exists on this frame. */
  id?: number
  classId: number
  points: number[]
  source?: LabelSource
}

export interface SaveOptions {
  /**
   * The frame's status after the save, when the editor decides it (undoing a
   * paste onto a normal frame makes it normal again). Without it the status
   * follows the labels: a defect makes the frame labelled, no labels at all
   * make a labelled frame unlabelled.
   */
  status?: ImageStatus
}

/**
 * Saves a frame's whole set of labels as the editor holds it: new drafts are
 * created, changed ones get a new revision, missing ones are deleted (kept in
 * the revision history). Unchanged labels are not touched, so an autosave of
 * an unchanged frame writes nothing. One transaction: a crash never leaves a
 * frame half-saved. A frame's first defect label may move it to another
 * split (see splits/restratify.ts).
 */
export function saveFrameLabels(ws: Workspace, imageId: number, drafts: LabelDraft[], author: string, opts: SaveOptions = {}): Label[] {
  const image = ws.db.prepare('SELECT width, height, status FROM images WHERE id = ?').get(imageId) as
    | { width: number; height: number; status: string }
    | undefined
  if (!image) throw new StudioError('not_found', `No image with id ${imageId}`)
  const classes = new Map(listClasses(ws).map((c) => [c.id, c]))
  const prepared = drafts.map((d, i) => {
    if (!classes.has(d.classId)) throw new StudioError('invalid_argument', `label ${i + 1}: no class with id ${d.classId}`)
    const { polygon } = clipToFrame(d.points, image.width, image.height)
    if (!isValidPolygon(polygon)) throw new StudioError('invalid_argument', `label ${i + 1}: fewer than 3 distinct points inside the frame`)
    if (!isSimple(polygon)) throw new StudioError('invalid_argument', `label ${i + 1}: the polygon crosses itself; fix it before saving`)
    return { ...d, points: polygon.map(round3) }
  })
  const hasDefect = prepared.some((d) => classes.get(d.classId)!.kind === 'defect')
  if (opts.status === 'normal' && hasDefect) {
    throw new StudioError('invalid_argument', 'a frame with defect labels cannot be marked normal; delete them first')
  }
  const current = new Map(
    (ws.db.prepare('SELECT * FROM labels WHERE image_id = ? AND deleted_at IS NULL').all(imageId) as LabelRow[]).map((r) => [r.id, r])
  )
  const at = nowIso()
  const revision = ws.db.prepare(
    `INSERT INTO label_revisions (label_id, image_id, revision, op, class_id, points, source, author, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const hadDefect = [...current.values()].some((r) => classes.get(r.class_id)?.kind === 'defect')
  const save = ws.db.transaction(() => {
    const kept = new Set<number>()
    for (const d of prepared) {
      const points = JSON.stringify(d.points)
      const existing = d.id !== undefined ? current.get(d.id) : undefined
      if (d.id !== undefined && !existing) throw new StudioError('conflict', `label ${d.id} is not on image ${imageId} (deleted elsewhere?)`)
      if (!existing) {
        addLabel(ws, { imageId, classId: d.classId, points: d.points, source: d.source ?? 'manual', author })
        continue
      }
      kept.add(existing.id)
      if (existing.class_id === d.classId && existing.points === points) continue
      const next = existing.revision + 1
      ws.db
        .prepare('UPDATE labels SET class_id = ?, points = ?, revision = ?, updated_at = ?, author = ? WHERE id = ?')
        .run(d.classId, points, next, at, author, existing.id)
      revision.run(existing.id, imageId, next, 'update', d.classId, points, existing.source, author, at)
    }
    for (const [id, row] of current) {
      if (kept.has(id)) continue
      const next = row.revision + 1
      ws.db.prepare('UPDATE labels SET deleted_at = ?, revision = ? WHERE id = ?').run(at, next, id)
      revision.run(id, imageId, next, 'delete', row.class_id, row.points, row.source, author, at)
    }
    if (opts.status) {
      if (opts.status !== image.status) ws.db.prepare('UPDATE images SET status = ? WHERE id = ?').run(opts.status, imageId)
    } else if (hasDefect && image.status !== 'needs-review') {
      ws.db.prepare("UPDATE images SET status = 'labeled' WHERE id = ?").run(imageId)
    } else if (prepared.length > 0 && image.status === 'unlabeled') {
      ws.db.prepare("UPDATE images SET status = 'labeled' WHERE id = ?").run(imageId)
    } else if (prepared.length === 0 && image.status === 'labeled') {
      ws.db.prepare("UPDATE images SET status = 'unlabeled' WHERE id = ?").run(imageId)
    }
    if (hasDefect && !hadDefect) restratifyOnFirstDefect(ws, imageId)
  })
  try {
    save()
  } catch (err) {
    // The transaction rolled back whole; a raw SqliteError (with its stack) told the inspector nothing useful.
    if (isDiskFull(err)) throw diskFullOnSave(ws, imageId)
    throw err
  }
  return listLabels(ws, imageId)
}

function diskFullOnSave(ws: Workspace, imageId: number): StudioError {
  return new StudioError(
    'internal',
    `The disk holding ${ws.dir} is full: this save of frame ${imageId} was not stored, and its labels are as they were before it. ` +
      'Free some space; the editor keeps the edit and saves it again.'
  )
}

export function labelHistory(ws: Workspace, imageId: number): LabelRevision[] {
  const rows = ws.db
    .prepare('SELECT label_id, revision, op, class_id, points, author, at FROM label_revisions WHERE image_id = ? ORDER BY id')
    .all(imageId) as { label_id: number; revision: number; op: LabelRevision['op']; class_id: number; points: string; author: string; at: string }[]
  return rows.map((r) => ({
    labelId: r.label_id,
    revision: r.revision,
    op: r.op,
    classId: r.class_id,
    points: JSON.parse(r.points) as number[],
    author: r.author,
    at: r.at
  }))
}
