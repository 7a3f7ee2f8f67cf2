/**
 * Taking a class out of the list: merging it into another (its labels move
 * there, each move a label revision) or deleting it. A class in use is only
 * deleted with its labels when the caller confirms how many; the labels, their
 * revisions and the class's verdicts are then kept in the class history (the
 * foreign keys on labels and verdicts leave no way to keep them in place
 * without the class), from where undo puts them back.
 */
import { StudioError } from '../../shared/contract'
import type { ClassChange } from '../../shared/contract/namespaces/classes'
import { nowIso } from '../db/connection'
import { applyOrder, assertNoNormalFrames, getClass } from './classes'
import { getChange, orderIds, recordChange } from './classHistory'
import type { Workspace } from './workspace'

type Row = Record<string, unknown>

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function liveUse(ws: Workspace, classId: number): { labels: number; frames: number } {
  return ws.db
    .prepare('SELECT count(*) AS labels, count(DISTINCT image_id) AS frames FROM labels WHERE class_id = ? AND deleted_at IS NULL')
    .get(classId) as { labels: number; frames: number }
}

/** Gives a live label another class as a new revision, so the frame's label history shows the move. */
export function relabel(ws: Workspace, labelId: number, classId: number, author: string, at: string): void {
  const l = ws.db.prepare('SELECT image_id, revision, points, source FROM labels WHERE id = ?').get(labelId) as
    | { image_id: number; revision: number; points: string; source: string }
    | undefined
  if (!l) return
  const next = l.revision + 1
  ws.db.prepare('UPDATE labels SET class_id = ?, revision = ?, updated_at = ?, author = ? WHERE id = ?').run(classId, next, at, author, labelId)
  ws.db
    .prepare(
      `INSERT INTO label_revisions (label_id, image_id, revision, op, class_id, points, source, author, at)
       VALUES (?, ?, ?, 'update', ?, ?, ?, ?, ?)`
    )
    .run(labelId, l.image_id, next, classId, l.points, l.source, author, at)
}

/** Moves every label (and verdict) of `sourceId` to `targetId`, then removes the source class. */
export function mergeClass(ws: Workspace, sourceId: number, targetId: number, author: string): ClassChange {
  return ws.db.transaction(() => {
    if (sourceId === targetId) throw new StudioError('invalid_argument', 'A class cannot be merged into itself')
    const source = getClass(ws, sourceId)
    const target = getClass(ws, targetId)
    if (source.kind === 'region' && target.kind === 'defect') assertNoNormalFrames(ws, source.id, `Merging ${source.name} into ${target.name}`)
    const order = orderIds(ws)
    const at = nowIso()
    const live = ws.db.prepare('SELECT id FROM labels WHERE class_id = ? AND deleted_at IS NULL ORDER BY id').pluck().all(sourceId) as number[]
    const dead = ws.db.prepare('SELECT id FROM labels WHERE class_id = ? AND deleted_at IS NOT NULL ORDER BY id').pluck().all(sourceId) as number[]
    const verdicts = ws.db.prepare('SELECT id FROM review_verdicts WHERE class_id = ? ORDER BY id').pluck().all(sourceId) as number[]
    const { frames } = liveUse(ws, sourceId)
    for (const id of live) relabel(ws, id, targetId, author, at)
    // Deleted labels move silently: their revisions already say which class they had.
    ws.db.prepare('UPDATE labels SET class_id = ? WHERE class_id = ? AND deleted_at IS NOT NULL').run(targetId, sourceId)
    ws.db.prepare('UPDATE review_verdicts SET class_id = ? WHERE class_id = ?').run(targetId, sourceId)
    ws.db.prepare('DELETE FROM classes WHERE id = ?').run(sourceId)
    applyOrder(ws, order.filter((id) => id !== sourceId))
    const id = recordChange(ws, {
      op: 'merge',
      classId: sourceId,
      targetId,
      before: source,
      after: null,
      undo: { order, live, dead, verdicts },
      summary: `${source.name} merged into ${target.name}` + (live.length > 0 ? ` (${plural(live.length, 'label')} on ${plural(frames, 'frame')} moved)` : ''),
      author
    })
    return getChange(ws, id)
  })()
}

/**
 * Deletes a class. In use, only with `deleteLabels` equal to its number of
 * live labels (what the user was shown and agreed to); a frame left without
 * labels goes from labelled back to unlabelled.
 */
export function deleteClass(ws: Workspace, classId: number, deleteLabels: number | undefined, author: string): ClassChange {
  return ws.db.transaction(() => {
    const cls = getClass(ws, classId)
    const use = liveUse(ws, classId)
    if (use.labels > 0 && deleteLabels === undefined) {
      throw new StudioError(
        'conflict',
        `${cls.name} is used by ${plural(use.labels, 'label')} on ${plural(use.frames, 'frame')}: merge it into another class, or delete it together with its ${plural(use.labels, 'label')}.`
      )
    }
    if (deleteLabels !== undefined && deleteLabels !== use.labels) {
      throw new StudioError('conflict', `${cls.name} has ${plural(use.labels, 'label')} now, not ${deleteLabels}; nothing was deleted. Confirm again with the new count.`)
    }
    const order = orderIds(ws)
    const labels = ws.db.prepare('SELECT * FROM labels WHERE class_id = ? ORDER BY id').all(classId) as Row[]
    const revisions = ws.db
      .prepare('SELECT r.* FROM label_revisions r JOIN labels l ON l.id = r.label_id WHERE l.class_id = ? ORDER BY r.id')
      .all(classId) as Row[]
    const verdicts = ws.db.prepare('SELECT * FROM review_verdicts WHERE class_id = ? ORDER BY id').all(classId) as Row[]
    const images = ws.db.prepare('SELECT DISTINCT image_id FROM labels WHERE class_id = ? AND deleted_at IS NULL').pluck().all(classId) as number[]
    ws.db.prepare('DELETE FROM review_verdicts WHERE class_id = ?').run(classId)
    ws.db.prepare('DELETE FROM labels WHERE class_id = ?').run(classId)
    ws.db.prepare('DELETE FROM classes WHERE id = ?').run(classId)
    applyOrder(ws, order.filter((id) => id !== classId))
    const unlabelled: number[] = []
    const liveLeft = ws.db.prepare('SELECT count(*) FROM labels WHERE image_id = ? AND deleted_at IS NULL').pluck()
    const statusOf = ws.db.prepare('SELECT status FROM images WHERE id = ?').pluck()
    for (const imageId of images) {
      // Review statistics are fresh by the frame's newest revision id, which the removal may have turned back to an older one.
      ws.db.prepare('DELETE FROM review_stats WHERE image_id = ?').run(imageId)
      if ((liveLeft.get(imageId) as number) === 0 && statusOf.get(imageId) === 'labeled') {
        ws.db.prepare("UPDATE images SET status = 'unlabeled' WHERE id = ?").run(imageId)
        unlabelled.push(imageId)
      }
    }
    const id = recordChange(ws, {
      op: 'delete',
      classId,
      before: cls,
      after: null,
      undo: { order, labels, revisions, verdicts, unlabelled },
      summary: `${cls.name} deleted` + (use.labels > 0 ? ` with its ${plural(use.labels, 'label')} on ${plural(use.frames, 'frame')}` : ''),
      author
    })
    return getChange(ws, id)
  })()
}
