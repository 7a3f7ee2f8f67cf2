/**
 * Per-frame review statistics of a model, computed once from its cached maps
 * (never by running the model again) and kept in SQLite (review_stats):
 * per class two 256-bin histograms of the probability bytes, outside and
 * inside the class's labels (src/shared/review/histogram.ts). Every count at
 * any threshold follows from them, so moving a threshold reads no map. A row
 * is stale when the frame is inferred again or its labels change.
 *
 * Where two defect classes fire at one pixel the one threshold rule gives it
 * to one of them, and MPA/MIoU need each pixel's truth class against its
 * prediction, so the same pass keeps the frame's joint table
 * (src/shared/review/predicted.ts) beside the histograms. Together they give
 * the counts, MPA, MIoU and F1 at the maps' full resolution at any
 * thresholds.
 */
import type { ClassDef } from '../../../shared/contract'
import { BINS, buildHistogram, HIST_LENGTH } from '../../../shared/review/histogram'
import { buildJoint, type JointTable } from '../../../shared/review/predicted'
import { nowIso } from '../../db/connection'
import { listLabels } from '../labels'
import type { Workspace } from '../workspace'
import { classMasks } from './labelMasks'
import { probFile, readProb, type PredictionRef } from './mapFiles'

export interface FrameStats {
  imageId: number
  predictionAt: string
  labelsRev: number
  /** Size of the maps the histograms count (the frame's size). */
  width: number
  height: number
  /** Class id -> histogram (HIST_LENGTH bins). Classes without a map (not trained) are absent. */
  hists: Map<number, Uint32Array>
  /** The defect maps' joint statistics: the exclusive defect rule and the confusion of MPA/MIoU. */
  joint: JointTable
}

/** Newest label revision id per frame: a label change moves it. */
export function labelRevision(ws: Workspace, imageId: number): number {
  return ws.db.prepare('SELECT coalesce(max(id), 0) FROM label_revisions WHERE image_id = ?').pluck().get(imageId) as number
}

/** Reads the maps, counts the histograms against the frame's current labels, writes the reduced maps. */
export async function computeFrameStats(ws: Workspace, ref: PredictionRef, classes: ClassDef[]): Promise<FrameStats> {
  const frame = ws.db.prepare('SELECT width, height FROM images WHERE id = ?').get(ref.imageId) as { width: number; height: number } | undefined
  if (!frame) throw new Error(`frame ${ref.imageId} no longer exists`)
  const labelsRev = labelRevision(ws, ref.imageId)
  const labels = listLabels(ws, ref.imageId)
  const hists = new Map<number, Uint32Array>()
  let size: { width: number; height: number } | null = null
  let masks: Map<number, Uint8Array> | null = null
  const defectIds: number[] = []
  const defectProbs: Uint8Array[] = []
  for (const c of classes) {
    const src = probFile(ref, c)
    if (!src) continue
    const prob = await readProb(src)
    if (size && (size.width !== prob.width || size.height !== prob.height)) throw new Error(`frame ${ref.imageId}: the class maps differ in size`)
    size ??= { width: prob.width, height: prob.height }
    masks ??= classMasks(labels, classes.map((k) => k.id), frame, size)
    hists.set(c.id, buildHistogram(prob.data, masks.get(c.id)!))
    if (c.kind === 'defect') {
      defectIds.push(c.id)
      defectProbs.push(prob.data)
    }
  }
  const joint = buildJoint(
    defectIds,
    defectProbs,
    defectIds.map((id) => masks!.get(id)!),
    size ? size.width * size.height : frame.width * frame.height
  )
  return { imageId: ref.imageId, predictionAt: ref.at, labelsRev, width: size?.width ?? frame.width, height: size?.height ?? frame.height, hists, joint }
}

// ------------------------------------------------------------ SQLite

/** Bumped when the stored layout changes: rows of another version are counted again. */
const STATS_FORMAT = 3

/**
 * class_ids holds {v, ids, joint, entries}; the blob, all uint32 LE except
 * the table's bytes: the histograms, the table's single and zero counts
 * (src/shared/review/predicted.ts), its entries' bytes, their counts.
 */
function encodeStats(hists: Map<number, Uint32Array>, joint: JointTable): { classIds: string; blob: Buffer } {
  const ids = [...hists.keys()]
  const entries = joint.counts.length
  const words = [...ids.map((id) => hists.get(id)!), joint.single, joint.zero]
  const wordBytes = words.reduce((n, a) => n + a.length * 4, 0)
  const blob = Buffer.alloc(wordBytes + joint.bytes.length + entries * 4)
  let o = 0
  for (const a of words) for (let k = 0; k < a.length; k++, o += 4) blob.writeUInt32LE(a[k]!, o)
  blob.set(joint.bytes, o)
  o += joint.bytes.length
  for (let e = 0; e < entries; e++, o += 4) blob.writeUInt32LE(joint.counts[e]!, o)
  return { classIds: JSON.stringify({ v: STATS_FORMAT, ids, joint: joint.classIds, entries }), blob }
}

function decodeStats(classIds: string, blob: Buffer): { hists: Map<number, Uint32Array>; joint: JointTable } | null {
  const head = JSON.parse(classIds) as { v?: number; ids: number[]; joint: number[]; entries: number } | number[]
  if (Array.isArray(head) || head.v !== STATS_FORMAT) return null
  const { ids, joint: jointIds, entries } = head
  const k = jointIds.length
  const sizes = [...ids.map(() => HIST_LENGTH), k * (k + 1) * BINS, k + 1]
  const wordBytes = sizes.reduce((n, v) => n + v * 4, 0)
  const jointBytes = entries * (k + 1)
  if (blob.length !== wordBytes + jointBytes + entries * 4) throw new Error(`review statistics: ${blob.length} bytes for ${ids.length} classes and ${entries} joint entries`)
  let o = 0
  const words = sizes.map((len) => {
    const a = new Uint32Array(len)
    for (let q = 0; q < len; q++, o += 4) a[q] = blob.readUInt32LE(o)
    return a
  })
  const bytes = Uint8Array.from(blob.subarray(o, o + jointBytes))
  o += jointBytes
  const counts = new Uint32Array(entries)
  for (let e = 0; e < entries; e++, o += 4) counts[e] = blob.readUInt32LE(o)
  return {
    hists: new Map(ids.map((id, c) => [id, words[c]!])),
    joint: { classIds: jointIds, bytes, counts, single: words[ids.length]!, zero: words[ids.length + 1]! }
  }
}

export function saveFrameStats(ws: Workspace, modelId: number, s: FrameStats): void {
  const { classIds, blob } = encodeStats(s.hists, s.joint)
  ws.db
    .prepare(
      `INSERT INTO review_stats (model_id, image_id, prediction_at, labels_rev, width, height, class_ids, hists, computed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model_id, image_id) DO UPDATE SET prediction_at = excluded.prediction_at, labels_rev = excluded.labels_rev,
         width = excluded.width, height = excluded.height, class_ids = excluded.class_ids, hists = excluded.hists, computed_at = excluded.computed_at`
    )
    .run(modelId, s.imageId, s.predictionAt, s.labelsRev, s.width, s.height, classIds, blob, nowIso())
}

export function loadFrameStats(ws: Workspace, modelId: number): Map<number, FrameStats> {
  const rows = ws.db.prepare('SELECT image_id, prediction_at, labels_rev, width, height, class_ids, hists FROM review_stats WHERE model_id = ?').all(modelId) as {
    image_id: number
    prediction_at: string
    labels_rev: number
    width: number
    height: number
    class_ids: string
    hists: Buffer
  }[]
  const out = new Map<number, FrameStats>()
  for (const r of rows) {
    const d = decodeStats(r.class_ids, r.hists)
    if (d) out.set(r.image_id, { imageId: r.image_id, predictionAt: r.prediction_at, labelsRev: r.labels_rev, width: r.width, height: r.height, ...d })
  }
  return out
}

export interface PredictionState {
  imageId: number
  mapsPath: string | null
  at: string
  runId: number | null
  labelsRev: number
}

/** Every prediction of the model with the frame's newest label revision: what fresh statistics must match. */
export function predictionStates(ws: Workspace, modelId: number): PredictionState[] {
  return (
    ws.db
      .prepare(
        `SELECT p.image_id, p.maps_path, p.created_at, p.run_id,
           coalesce((SELECT max(r.id) FROM label_revisions r WHERE r.image_id = p.image_id), 0) AS rev
         FROM predictions p WHERE p.model_id = ?`
      )
      .all(modelId) as { image_id: number; maps_path: string | null; created_at: string; run_id: number | null; rev: number }[]
  ).map((r) => ({ imageId: r.image_id, mapsPath: r.maps_path, at: r.created_at, runId: r.run_id, labelsRev: r.rev }))
}
