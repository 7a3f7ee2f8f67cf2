/**
 * The review's actions, each stored as a verdict (review_verdicts) with its
 * author and time:
 * - true defect: the predicted pieces of the class (or of every defect
 *   class) that are not labelled yet become labels of their class, through
 *   the one accept service (../predictions/accept.ts), as one undoable step;
 * - false positive: the frame stays, or becomes, normal (when it carries no
 *   defect label), so the next training takes it as a negative;
 * - missed defect: recorded; the page opens the editor to draw it.
 *
 * On a test frame a true defect or false positive is only recorded, as
 * pending: the test labels are the ground truth every model is scored on,
 * so nothing the model predicted enters them, and no status changes, until
 * an inspector confirms the verdict in the editor (resolveVerdict).
 *
 * A verdict that changed the frame keeps the labels it added and the status
 * before, so undoVerdict restores the frame exactly; the label history
 * keeps both the additions and their removal.
 */
import { StudioError, type ReviewActionResult, type ReviewVerdict, type ReviewVerdictName, type Thresholds, type VerdictState } from '../../../shared/contract'
import type { ImageStatus, Split } from '../../../shared/domain'
import { nowIso } from '../../db/connection'
import { listLabels, saveFrameLabels } from '../labels'
import { previewAccept, writePieces } from '../predictions/accept'
import type { Workspace } from '../workspace'
import { toVerdict } from './queue'

export interface VerdictArgs {
  imageId: number
  modelId: number
  verdict: ReviewVerdictName
  classId?: number
  note?: string
  thresholds: Thresholds
}

interface Recorded {
  classId: number | null
  state: VerdictState
  labelIds?: number[]
  prevStatus?: ImageStatus
}

const NOTHING_NEW =
  'Nothing new to accept: at the current thresholds the prediction is empty or already under the labels. Lower the threshold, or mark a missed defect and draw it.'

function insertVerdict(ws: Workspace, a: VerdictArgs, r: Recorded, author: string): ReviewVerdict {
  const id = Number(
    ws.db
      .prepare(
        `INSERT INTO review_verdicts (image_id, model_id, class_id, verdict, author, note, at, state, thresholds, label_ids, prev_status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        a.imageId,
        a.modelId,
        r.classId,
        a.verdict,
        author,
        a.note ?? null,
        nowIso(),
        r.state,
        JSON.stringify(a.thresholds),
        r.labelIds ? JSON.stringify(r.labelIds) : null,
        r.prevStatus ?? null
      ).lastInsertRowid
  )
  return verdictById(ws, id)
}

function verdictById(ws: Workspace, id: number): ReviewVerdict {
  const row = ws.db.prepare('SELECT * FROM review_verdicts WHERE id = ?').get(id) as Parameters<typeof toVerdict>[0] | undefined
  if (!row) throw new StudioError('not_found', `No verdict with id ${id}`)
  return toVerdict(row)
}

function frameOf(ws: Workspace, imageId: number): { status: ImageStatus; split: Split } {
  const f = ws.db.prepare('SELECT status, split FROM images WHERE id = ?').get(imageId) as { status: ImageStatus; split: Split } | undefined
  if (!f) throw new StudioError('not_found', `No image with id ${imageId}`)
  return f
}

function defectLabelCount(ws: Workspace, imageId: number): number {
  return ws.db
    .prepare(`SELECT count(*) FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.image_id = ? AND l.deleted_at IS NULL AND c.kind = 'defect'`)
    .pluck()
    .get(imageId) as number
}

/** False positive: normal unless a defect is labelled there. */
function markNormal(ws: Workspace, imageId: number): void {
  if (defectLabelCount(ws, imageId) === 0) ws.db.prepare("UPDATE images SET status = 'normal' WHERE id = ?").run(imageId)
}

export async function applyVerdict(ws: Workspace, a: VerdictArgs, author: string): Promise<ReviewActionResult> {
  const frame = frameOf(ws, a.imageId)
  const held = frame.split === 'test' && a.verdict !== 'missed_defect'

  if (a.verdict === 'true_defect') {
    const preview = await previewAccept(ws, { imageId: a.imageId, modelId: a.modelId, thresholds: a.thresholds, ...(a.classId !== undefined ? { classId: a.classId } : {}) })
    if (preview.add.length === 0) throw new StudioError('conflict', NOTHING_NEW)
    if (held) {
      const v = insertVerdict(ws, a, { classId: a.classId ?? null, state: 'pending' }, author)
      return { verdicts: [v], labelsAdded: 0, status: frame.status, pending: true }
    }
    // One verdict per class that gained labels, as the queue shows a verdict's class; undo takes them together.
    const verdicts = ws.db.transaction(() => {
      const ids = writePieces(ws, a.imageId, preview.add, author)
      const classIds = [...new Set(preview.add.map((p) => p.classId))]
      return classIds.map((classId) => {
        const labelIds = ids.filter((_, k) => preview.add[k]!.classId === classId)
        return insertVerdict(ws, { ...a, classId }, { classId, state: 'applied', labelIds, prevStatus: frame.status }, author)
      })
    })()
    return { verdicts, labelsAdded: preview.add.length, status: frameOf(ws, a.imageId).status, pending: false }
  }

  const verdicts = ws.db.transaction(() => {
    if (held) return [insertVerdict(ws, a, { classId: a.classId ?? null, state: 'pending' }, author)]
    if (a.verdict === 'false_positive') markNormal(ws, a.imageId)
    return [insertVerdict(ws, a, { classId: a.classId ?? null, state: 'applied', labelIds: [], prevStatus: frame.status }, author)]
  })()
  return { verdicts, labelsAdded: 0, status: frameOf(ws, a.imageId).status, pending: held }
}

/**
 * Takes back verdicts of one frame that acted on it: removes the labels they
 * added (recorded as deletions in the label history) and restores the status
 * the frame had before. Refused when one of those labels was edited or
 * removed since: the inspector's later work is not undone silently.
 */
export function undoVerdict(ws: Workspace, verdictIds: readonly number[], author: string): ReviewActionResult {
  const rows = verdictIds.map((id) => ws.db.prepare('SELECT * FROM review_verdicts WHERE id = ?').get(id) as
    | { id: number; image_id: number; state: VerdictState; label_ids: string | null; prev_status: ImageStatus | null }
    | undefined)
  const missing = verdictIds.filter((_, k) => !rows[k])
  if (missing.length > 0) throw new StudioError('not_found', `No verdict with id ${missing.join(', ')}`)
  const list = rows.map((r) => r!)
  const imageId = list[0]!.image_id
  if (list.some((r) => r.image_id !== imageId)) throw new StudioError('invalid_argument', 'Undo takes the verdicts of one frame at a time')
  for (const r of list) {
    if (r.state !== 'applied' && r.state !== 'confirmed') {
      throw new StudioError('conflict', `Verdict ${r.id} is ${r.state}: only a verdict that changed the frame can be undone`)
    }
  }
  const added = new Set(list.flatMap((r) => (r.label_ids ? (JSON.parse(r.label_ids) as number[]) : [])))
  const current = listLabels(ws, imageId)
  const still = current.filter((l) => added.has(l.id))
  if (still.length !== added.size || still.some((l) => l.revision !== 1)) {
    throw new StudioError('conflict', 'The labels this verdict added were edited or removed since; change them in the editor instead')
  }
  // The earliest verdict's status is the one before all of them.
  const prev = [...list].sort((p, q) => p.id - q.id)[0]!.prev_status
  ws.db.transaction(() => {
    if (added.size > 0) {
      saveFrameLabels(
        ws,
        imageId,
        current.filter((l) => !added.has(l.id)).map((l) => ({ id: l.id, classId: l.classId, points: l.points })),
        author
      )
    }
    if (prev) ws.db.prepare('UPDATE images SET status = ? WHERE id = ?').run(prev, imageId)
    const settle = ws.db.prepare("UPDATE review_verdicts SET state = 'undone', resolved_by = ?, resolved_at = ? WHERE id = ?")
    for (const r of list) settle.run(author, nowIso(), r.id)
  })()
  return { verdicts: list.map((r) => verdictById(ws, r.id)), labelsAdded: -added.size, status: frameOf(ws, imageId).status, pending: false }
}

/** A frame's verdicts that wait for confirmation, oldest first. */
export function pendingVerdicts(ws: Workspace, imageId: number): ReviewVerdict[] {
  frameOf(ws, imageId)
  const rows = ws.db.prepare("SELECT * FROM review_verdicts WHERE image_id = ? AND state = 'pending' ORDER BY id").all(imageId) as Parameters<typeof toVerdict>[0][]
  return rows.map(toVerdict)
}

/**
 * Settles a pending verdict. Confirming a true defect adds the pieces the
 * accept service finds now, at the verdict's model and thresholds, that are
 * not labelled yet (the inspector may have drawn some meanwhile); confirming
 * a false positive marks the frame normal as the verdict would have.
 * Dismissing changes nothing but the verdict's state.
 */
export async function resolveVerdict(ws: Workspace, verdictId: number, action: 'confirm' | 'dismiss', author: string): Promise<ReviewActionResult> {
  const row = ws.db.prepare('SELECT * FROM review_verdicts WHERE id = ?').get(verdictId) as
    | { id: number; image_id: number; model_id: number | null; class_id: number | null; verdict: ReviewVerdictName; state: VerdictState; thresholds: string | null }
    | undefined
  if (!row) throw new StudioError('not_found', `No verdict with id ${verdictId}`)
  if (row.state !== 'pending') throw new StudioError('conflict', `Verdict ${verdictId} is ${row.state}, not pending: nothing to ${action}`)
  const imageId = row.image_id
  const before = frameOf(ws, imageId).status
  const settle = (state: VerdictState, labelIds: number[] | null): void => {
    ws.db
      .prepare('UPDATE review_verdicts SET state = ?, label_ids = ?, prev_status = ?, resolved_by = ?, resolved_at = ? WHERE id = ?')
      .run(state, labelIds ? JSON.stringify(labelIds) : null, state === 'confirmed' ? before : null, author, nowIso(), verdictId)
  }
  if (action === 'dismiss') {
    settle('dismissed', null)
    return { verdicts: [verdictById(ws, verdictId)], labelsAdded: 0, status: before, pending: false }
  }
  if (row.verdict === 'true_defect') {
    if (row.model_id === null) throw new StudioError('conflict', 'The model of this verdict was deleted: draw the defect instead, and dismiss the verdict')
    const thresholds = row.thresholds ? (JSON.parse(row.thresholds) as Thresholds) : undefined
    const preview = await previewAccept(ws, {
      imageId,
      modelId: row.model_id,
      ...(thresholds ? { thresholds } : {}),
      ...(row.class_id !== null ? { classId: row.class_id } : {})
    })
    const ids = ws.db.transaction(() => {
      const written = writePieces(ws, imageId, preview.add, author)
      settle('confirmed', written)
      return written
    })()
    return { verdicts: [verdictById(ws, verdictId)], labelsAdded: ids.length, status: frameOf(ws, imageId).status, pending: false }
  }
  ws.db.transaction(() => {
    if (row.verdict === 'false_positive') markNormal(ws, imageId)
    settle('confirmed', [])
  })()
  return { verdicts: [verdictById(ws, verdictId)], labelsAdded: 0, status: frameOf(ws, imageId).status, pending: false }
}
