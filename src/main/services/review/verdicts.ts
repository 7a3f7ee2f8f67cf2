/**
 * The review's actions, each stored as a verdict (review_verdicts) with its
 * author and time:
 * - true defect: the class's mask under the one post-processor (the threshold
 *   rule of src/shared/arcd/postprocess.ts over every class the model has a
 *   map for) becomes polygons of its class (traced with traceBinary, source
 *   'model'), appended to the frame's labels;
 *   parts already under a label of the class are not added twice;
 * - false positive: the frame stays, or becomes, normal (when it carries no
 *   defect label), so the next training takes it as a negative;
 * - missed defect: recorded; the page opens the editor to draw it.
 */
import { StudioError, type ReviewActionResult, type ReviewVerdict, type ReviewVerdictName, type Thresholds } from '../../../shared/contract'
import type { ClassDef, ImageStatus } from '../../../shared/domain'
import { isSimple } from '../../../shared/geometry/polygon'
import { rasterizeInto } from '../../../shared/geometry/raster'
import { traceBinary } from '../../../shared/geometry/trace'
import { predictedMasks } from '../../../shared/review/predicted'
import { nowIso } from '../../db/connection'
import { listClasses } from '../classes'
import { listLabels, saveFrameLabels, type LabelDraft } from '../labels'
import type { Workspace } from '../workspace'
import { classMasks } from './labelMasks'
import { predictionRef, probFile, readProb, type GreyMap, type PredictionRef } from './mapFiles'
import { toVerdict } from './queue'

/** As the editor's "accept prediction": 1 px RDP with trace.ts's fidelity floor; specks under 4 px dropped. */
export const ACCEPT_TRACE = { tolerance: 1, minIoU: 0.9, minArea: 4 } as const
/** A traced piece at least this much under existing labels of its class is already labelled. */
const ALREADY_LABELLED = 0.5

export interface VerdictArgs {
  imageId: number
  modelId: number
  verdict: ReviewVerdictName
  classId?: number
  note?: string
  thresholds: Thresholds
}

function insertVerdict(ws: Workspace, a: VerdictArgs, classId: number | null, author: string): ReviewVerdict {
  const id = Number(
    ws.db
      .prepare('INSERT INTO review_verdicts (image_id, model_id, class_id, verdict, author, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.imageId, a.modelId, classId, a.verdict, author, a.note ?? null, nowIso()).lastInsertRowid
  )
  return toVerdict(ws.db.prepare('SELECT * FROM review_verdicts WHERE id = ?').get(id) as Parameters<typeof toVerdict>[0])
}

function frameStatus(ws: Workspace, imageId: number): ImageStatus {
  const s = ws.db.prepare('SELECT status FROM images WHERE id = ?').pluck().get(imageId) as ImageStatus | undefined
  if (!s) throw new StudioError('not_found', `No image with id ${imageId}`)
  return s
}

/** Every class's map at full size (null where the model has none). */
async function readAllProbs(ref: PredictionRef, classes: ClassDef[]): Promise<(GreyMap | null)[]> {
  return Promise.all(
    classes.map(async (c) => {
      const src = probFile(ref, c)
      return src ? readProb(src) : null
    })
  )
}

/** Polygons of the class's predicted mask (at map size `prob`) that are not already labelled, in frame pixels. */
function predictedPolygons(ws: Workspace, a: VerdictArgs, cls: ClassDef, frame: { width: number; height: number }, mask: Uint8Array, prob: GreyMap): number[][] {
  const existing = classMasks(listLabels(ws, a.imageId), [cls.id], frame, prob).get(cls.id)!
  const sx = frame.width / prob.width
  const sy = frame.height / prob.height
  const scratch = new Uint8Array(prob.width * prob.height)
  const out: number[][] = []
  for (const ring of traceBinary(mask, prob.width, prob.height, ACCEPT_TRACE)) {
    rasterizeInto(scratch, prob.width, prob.height, ring, 1)
    let area = 0
    let covered = 0
    const [x0, y0, x1, y1] = pixelBox(ring, prob.width, prob.height)
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * prob.width + x
        if (!scratch[i]) continue
        scratch[i] = 0
        area++
        if (existing[i]) covered++
      }
    }
    if (area === 0 || covered / area >= ALREADY_LABELLED) continue
    const points = sx === 1 && sy === 1 ? ring.slice() : ring.map((v, k) => (k % 2 === 0 ? v * sx : v * sy))
    if (isSimple(points)) out.push(points)
  }
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

export async function applyVerdict(ws: Workspace, a: VerdictArgs, author: string): Promise<ReviewActionResult> {
  const frame = ws.db.prepare('SELECT width, height, status FROM images WHERE id = ?').get(a.imageId) as
    | { width: number; height: number; status: ImageStatus }
    | undefined
  if (!frame) throw new StudioError('not_found', `No image with id ${a.imageId}`)
  const classes = listClasses(ws)
  const chosen = a.classId !== undefined ? classes.filter((c) => c.id === a.classId) : classes.filter((c) => c.kind === 'defect')
  if (a.classId !== undefined && chosen.length === 0) throw new StudioError('invalid_argument', `No class with id ${a.classId}`)

  if (a.verdict === 'true_defect') {
    const added: { cls: ClassDef; polygons: number[][] }[] = []
    const probs = await readAllProbs(predictionRef(ws, a.modelId, a.imageId), classes)
    const masks = predictedMasks(
      probs.map((p) => p?.data ?? null),
      classes,
      Object.fromEntries(classes.map((c) => [c.name, a.thresholds[c.name] ?? 0.5]))
    )
    for (const cls of chosen) {
      const k = classes.indexOf(cls)
      const polygons = probs[k] && masks[k] ? predictedPolygons(ws, a, cls, frame, masks[k], probs[k]) : []
      if (polygons.length > 0) added.push({ cls, polygons })
    }
    const count = added.reduce((n, x) => n + x.polygons.length, 0)
    if (count === 0) {
      throw new StudioError(
        'conflict',
        'Nothing new to accept: at the current thresholds the prediction is empty or already under the labels. Lower the threshold, or mark a missed defect and draw it.'
      )
    }
    const drafts: LabelDraft[] = listLabels(ws, a.imageId).map((l) => ({ id: l.id, classId: l.classId, points: l.points }))
    for (const x of added) for (const points of x.polygons) drafts.push({ classId: x.cls.id, points, source: 'model' })
    const verdicts = ws.db.transaction(() => {
      saveFrameLabels(ws, a.imageId, drafts, author)
      return added.map((x) => insertVerdict(ws, a, x.cls.id, author))
    })()
    return { verdicts, labelsAdded: count, status: frameStatus(ws, a.imageId) }
  }

  const verdicts = ws.db.transaction(() => {
    if (a.verdict === 'false_positive') {
      const defectLabels = ws.db
        .prepare(`SELECT count(*) FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.image_id = ? AND l.deleted_at IS NULL AND c.kind = 'defect'`)
        .pluck()
        .get(a.imageId) as number
      if (defectLabels === 0) ws.db.prepare("UPDATE images SET status = 'normal' WHERE id = ?").run(a.imageId)
    }
    return [insertVerdict(ws, a, a.classId ?? null, author)]
  })()
  return { verdicts, labelsAdded: 0, status: frameStatus(ws, a.imageId) }
}
