/**
 * The one way a model's prediction becomes labels. The editor's Accept and
 * the review's true-defect verdict both come here, so the same frame, class
 * and thresholds give the same polygons wherever they are accepted.
 *
 * A class's mask is the one post-processor's (the threshold rule of
 * src/shared/arcd/postprocess.ts over every class the model has a map for,
 * as the evaluation and the review's counts use it) at the model's saved
 * thresholds or given ones. Each 8-connected piece of it is traced with
 * traceBinary (1 px RDP with trace.ts's fidelity floor; specks under 4 px
 * dropped) at map size and scaled to the frame. A piece at least half under
 * a label of its class is already labelled and never added twice.
 */
import { appendAll } from '../../../shared/arrays'
import { StudioError, type AcceptPreview, type AcceptResult, type PredictedPiece, type Thresholds } from '../../../shared/contract'
import type { ClassDef, ImageStatus } from '../../../shared/domain'
import { isSimple, pointInPolygon } from '../../../shared/geometry/polygon'
import { rasterizeInto } from '../../../shared/geometry/raster'
import { traceBinary } from '../../../shared/geometry/trace'
import { predictedMasks } from '../../../shared/review/predicted'
import { listClasses } from '../classes'
import { listLabels, saveFrameLabels, type LabelDraft } from '../labels'
import { classMasks } from '../review/labelMasks'
import { predictionRef, probFile, readProb, type GreyMap } from '../review/mapFiles'
import { effectiveThresholds, resolveModel } from '../review/models'
import type { Workspace } from '../workspace'

export const ACCEPT_TRACE = { tolerance: 1, minIoU: 0.9, minArea: 4 } as const
/** A traced piece at least this much under labels of its class is already labelled. */
export const ALREADY_LABELLED = 0.5

export interface AcceptArgs {
  imageId: number
  /** Default: the active model (else the newest). */
  modelId?: number
  /** Per class name; missing classes take the model's saved threshold. */
  thresholds?: Thresholds
  /** One class; default every defect class. */
  classId?: number
  /** Indices into the class's pieces (needs classId). */
  pieces?: number[]
  /** The piece under this frame point. */
  at?: { x: number; y: number }
  /** The labels to count as present (the editor's unsaved ones); default the stored labels. */
  labels?: readonly { classId: number; points: readonly number[] }[]
}

interface Traced {
  preview: AcceptPreview
  frame: { width: number; height: number; status: ImageStatus }
}

function frameOf(ws: Workspace, imageId: number): { width: number; height: number; status: ImageStatus } {
  const f = ws.db.prepare('SELECT width, height, status FROM images WHERE id = ?').get(imageId) as { width: number; height: number; status: ImageStatus } | undefined
  if (!f) throw new StudioError('not_found', `No image with id ${imageId}`)
  return f
}

/** Every piece of one class's mask, with whether it is already labelled. */
function piecesOf(cls: ClassDef, mask: Uint8Array, prob: GreyMap, frame: { width: number; height: number }, labelled: Uint8Array): PredictedPiece[] {
  const sx = frame.width / prob.width
  const sy = frame.height / prob.height
  const scratch = new Uint8Array(prob.width * prob.height)
  const out: PredictedPiece[] = []
  traceBinary(mask, prob.width, prob.height, ACCEPT_TRACE).forEach((ring, index) => {
    rasterizeInto(scratch, prob.width, prob.height, ring, 1)
    let pixels = 0
    let covered = 0
    const [x0, y0, x1, y1] = pixelBox(ring, prob.width, prob.height)
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * prob.width + x
        if (!scratch[i]) continue
        scratch[i] = 0
        pixels++
        if (labelled[i]) covered++
      }
    }
    const points = sx === 1 && sy === 1 ? ring.slice() : ring.map((v, k) => (k % 2 === 0 ? v * sx : v * sy))
    // Scaling keeps a traced ring simple; the check guards the label store's own rule.
    if (pixels === 0 || !isSimple(points)) return
    out.push({ classId: cls.id, index, points, pixels, labelled: covered / pixels >= ALREADY_LABELLED })
  })
  return out
}

/** Pixels a ring can cover: its coordinate bounds, widened to whole pixels and clipped to the map. */
function pixelBox(ring: readonly number[], width: number, height: number): [number, number, number, number] {
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -Infinity
  let y1 = -Infinity
  for (let k = 0; k + 1 < ring.length; k += 2) {
    x0 = Math.min(x0, ring[k]!)
    x1 = Math.max(x1, ring[k]!)
    y0 = Math.min(y0, ring[k + 1]!)
    y1 = Math.max(y1, ring[k + 1]!)
  }
  return [Math.max(0, Math.floor(x0) - 1), Math.max(0, Math.floor(y0) - 1), Math.min(width - 1, Math.ceil(x1)), Math.min(height - 1, Math.ceil(y1))]
}

async function trace(ws: Workspace, a: AcceptArgs): Promise<Traced> {
  const frame = frameOf(ws, a.imageId)
  const classes = listClasses(ws)
  const model = resolveModel(ws, a.modelId)
  const thresholds = effectiveThresholds(classes, model.thresholds, a.thresholds)
  let chosen: ClassDef[]
  if (a.classId !== undefined) {
    const cls = classes.find((c) => c.id === a.classId)
    if (!cls) throw new StudioError('invalid_argument', `No class with id ${a.classId}`)
    chosen = [cls]
  } else {
    if (a.pieces) throw new StudioError('invalid_argument', 'Piece indices belong to one class: give classId with pieces')
    chosen = classes.filter((c) => c.kind === 'defect')
  }
  const ref = predictionRef(ws, model.id, a.imageId)
  const probs = await Promise.all(
    classes.map(async (c) => {
      const src = probFile(ref, c)
      return src ? readProb(src) : null
    })
  )
  const size = probs.find((p) => p !== null)
  for (const p of probs) {
    if (p && size && (p.width !== size.width || p.height !== size.height)) throw new StudioError('conflict', `Frame ${a.imageId}: the model's class maps differ in size; run the model on it again`)
  }
  const masks = predictedMasks(
    probs.map((p) => p?.data ?? null),
    classes,
    thresholds
  )
  const labels = a.labels ?? listLabels(ws, a.imageId)
  const under = size ? classMasks(labels, chosen.map((c) => c.id), frame, size) : new Map<number, Uint8Array>()
  const pieces: PredictedPiece[] = []
  for (const cls of chosen) {
    const k = classes.indexOf(cls)
    const prob = probs[k]
    const mask = masks[k]
    if (prob && mask) appendAll(pieces, piecesOf(cls, mask, prob, frame, under.get(cls.id)!))
  }
  let picked = pieces
  if (a.pieces) {
    const want = new Set(a.pieces)
    picked = pieces.filter((p) => want.has(p.index))
    const found = new Set(picked.map((p) => p.index))
    const missing = a.pieces.filter((i) => !found.has(i))
    if (missing.length > 0) {
      const name = chosen[0]!.name
      throw new StudioError('invalid_argument', `No predicted piece ${missing.join(', ')} of ${name} at these thresholds (it has ${pieces.length}); reload the prediction`)
    }
  }
  if (a.at) {
    const { x, y } = a.at
    const hit = picked.filter((p) => pointInPolygon(p.points, x, y))
    if (hit.length === 0) throw new StudioError('invalid_argument', `No predicted piece at (${Math.round(x)}, ${Math.round(y)}) at these thresholds`)
    // Outlines overlap where a piece lies in another's hole: the smallest is the one the point most specifically names (as the editor's click).
    picked = [hit.reduce((a, b) => (b.pixels < a.pixels ? b : a))]
  }
  return {
    preview: { imageId: a.imageId, modelId: model.id, thresholds, pieces, add: picked.filter((p) => !p.labelled) },
    frame
  }
}

/** The pieces accepting would add, without writing anything. */
export async function previewAccept(ws: Workspace, a: AcceptArgs): Promise<AcceptPreview> {
  return (await trace(ws, a)).preview
}

/**
 * Adds the chosen pieces as labels of their class (source 'model'), in one
 * transaction with the frame's other labels unchanged. Always against the
 * stored labels: `labels` is for a preview only.
 */
export async function acceptAsLabels(ws: Workspace, a: Omit<AcceptArgs, 'labels'>, author: string): Promise<AcceptResult> {
  const { preview } = await trace(ws, a)
  const labelIds = writePieces(ws, a.imageId, preview.add, author)
  return { ...preview, labelIds, status: frameOf(ws, a.imageId).status }
}

/** Appends pieces to the frame's stored labels; the new label ids, in order. Joins a surrounding transaction. */
export function writePieces(ws: Workspace, imageId: number, add: readonly PredictedPiece[], author: string): number[] {
  if (add.length === 0) return []
  return ws.db.transaction(() => {
    const before = listLabels(ws, imageId)
    const drafts: LabelDraft[] = before.map((l) => ({ id: l.id, classId: l.classId, points: l.points }))
    for (const p of add) drafts.push({ classId: p.classId, points: p.points, source: 'model' })
    const known = new Set(before.map((l) => l.id))
    return saveFrameLabels(ws, imageId, drafts, author)
      .map((l) => l.id)
      .filter((id) => !known.has(id))
  })()
}
