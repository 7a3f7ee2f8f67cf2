/**
 * Per-frame review statistics of a model, computed once from its cached maps
 * (never by running the model again) and kept in SQLite (review_stats):
 * per class two 256-bin histograms of the probability bytes, outside and
 * inside the class's labels (src/shared/review/histogram.ts). Every count at
 * any threshold follows from them, so moving a threshold reads no map. A row
 * is stale when the frame is inferred again or its labels change.
 *
 * Where two defect classes fire at one pixel the one threshold rule gives it
 * to one of them, so the same pass keeps the frame's joint table of such
 * pixels (src/shared/review/predicted.ts) beside the histograms.
 *
 * The same pass writes the maps reduced to METRICS_MAX_SIDE a side into
 * cache/review/model-<id>/<image>.maps, which MPA/MIoU/F1 read (reduced for
 * speed: a 1440x2560 frame's three maps are 3 x 144x256 bytes there).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type { ClassDef } from '../../../shared/contract'
import { buildHistogram, HIST_LENGTH } from '../../../shared/review/histogram'
import { buildJoint, type JointTable } from '../../../shared/review/predicted'
import { nowIso } from '../../db/connection'
import { listLabels } from '../labels'
import type { Workspace } from '../workspace'
import { classMasks } from './labelMasks'
import { probFile, readProb, reducedSize, type PredictionRef } from './mapFiles'

export const METRICS_MAX_SIDE = 256

export interface FrameStats {
  imageId: number
  predictionAt: string
  labelsRev: number
  /** Size of the maps the histograms count (the frame's size). */
  width: number
  height: number
  /** Class id -> histogram (HIST_LENGTH bins). Classes without a map (not trained) are absent. */
  hists: Map<number, Uint32Array>
  /** Pixels where two or more defect maps are non-zero, for the exclusive defect rule. */
  joint: JointTable
}

export interface ReducedMaps {
  predictionAt: string
  width: number
  height: number
  probs: Map<number, Uint8Array>
}

export function reducedMapsFile(ws: Workspace, modelId: number, imageId: number): string {
  return join(ws.paths.cache, 'review', `model-${modelId}`, `${imageId}.maps`)
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
  const small = reducedSize(frame.width, frame.height, METRICS_MAX_SIDE)
  const hists = new Map<number, Uint32Array>()
  const reduced: ReducedMaps = { predictionAt: ref.at, ...small, probs: new Map() }
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
    if (small.width === prob.width && small.height === prob.height) reduced.probs.set(c.id, prob.data)
    else {
      const { data } = await sharp(prob.data, { raw: { width: prob.width, height: prob.height, channels: 1 } })
        .resize({ width: small.width, height: small.height, fit: 'fill', kernel: 'linear' })
        .raw()
        .toBuffer({ resolveWithObject: true })
      reduced.probs.set(c.id, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    }
  }
  const joint = buildJoint(
    defectIds,
    defectProbs,
    defectIds.map((id) => masks!.get(id)!)
  )
  writeReducedMaps(reducedMapsFile(ws, ref.modelId, ref.imageId), reduced)
  return { imageId: ref.imageId, predictionAt: ref.at, labelsRev, width: size?.width ?? frame.width, height: size?.height ?? frame.height, hists, joint }
}

// ------------------------------------------------------------ SQLite

/**
 * class_ids holds {ids, joint, entries}; the blob the histograms, then the
 * joint table's bytes and its counts (uint32 LE). Rows from before the joint
 * table (class_ids a plain array) do not decode and are counted again.
 */
function encodeStats(hists: Map<number, Uint32Array>, joint: JointTable): { classIds: string; blob: Buffer } {
  const ids = [...hists.keys()]
  const entries = joint.counts.length
  const histBytes = ids.length * HIST_LENGTH * 4
  const blob = Buffer.alloc(histBytes + joint.bytes.length + entries * 4)
  ids.forEach((id, c) => {
    const h = hists.get(id)!
    for (let k = 0; k < HIST_LENGTH; k++) blob.writeUInt32LE(h[k]!, (c * HIST_LENGTH + k) * 4)
  })
  blob.set(joint.bytes, histBytes)
  for (let e = 0; e < entries; e++) blob.writeUInt32LE(joint.counts[e]!, histBytes + joint.bytes.length + e * 4)
  return { classIds: JSON.stringify({ ids, joint: joint.classIds, entries }), blob }
}

function decodeStats(classIds: string, blob: Buffer): { hists: Map<number, Uint32Array>; joint: JointTable } | null {
  const head = JSON.parse(classIds) as { ids?: number[]; joint?: number[]; entries?: number } | number[]
  if (Array.isArray(head) || !head.ids || !head.joint || head.entries === undefined) return null
  const { ids, joint: jointIds, entries } = head
  const histBytes = ids.length * HIST_LENGTH * 4
  const jointBytes = entries * (jointIds.length + 1)
  if (blob.length !== histBytes + jointBytes + entries * 4) throw new Error(`review statistics: ${blob.length} bytes for ${ids.length} classes and ${entries} joint entries`)
  const hists = new Map(
    ids.map((id, c) => {
      const h = new Uint32Array(HIST_LENGTH)
      for (let k = 0; k < HIST_LENGTH; k++) h[k] = blob.readUInt32LE((c * HIST_LENGTH + k) * 4)
      return [id, h]
    })
  )
  const counts = new Uint32Array(entries)
  for (let e = 0; e < entries; e++) counts[e] = blob.readUInt32LE(histBytes + jointBytes + e * 4)
  return { hists, joint: { classIds: jointIds, bytes: Uint8Array.from(blob.subarray(histBytes, histBytes + jointBytes)), counts } }
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

// ------------------------------------------------------------ reduced maps on disk

/** Layout: uint32 LE header length, JSON header {predictionAt, width, height, classIds}, then width*height bytes per class. */
function writeReducedMaps(file: string, m: ReducedMaps): void {
  const ids = [...m.probs.keys()]
  const header = Buffer.from(JSON.stringify({ predictionAt: m.predictionAt, width: m.width, height: m.height, classIds: ids }))
  const len = Buffer.alloc(4)
  len.writeUInt32LE(header.length, 0)
  mkdirSync(join(file, '..'), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}`
  writeFileSync(tmp, Buffer.concat([len, header, ...ids.map((id) => m.probs.get(id)!)]))
  renameSync(tmp, file)
}

/** The reduced maps, or null when missing, unreadable or of another prediction. */
export function readReducedMaps(file: string, predictionAt: string): ReducedMaps | null {
  let buf: Buffer
  try {
    buf = readFileSync(file)
  } catch {
    return null
  }
  try {
    const n = buf.readUInt32LE(0)
    const h = JSON.parse(buf.subarray(4, 4 + n).toString()) as { predictionAt: string; width: number; height: number; classIds: number[] }
    if (h.predictionAt !== predictionAt) return null
    const px = h.width * h.height
    if (buf.length !== 4 + n + px * h.classIds.length) return null
    const probs = new Map(h.classIds.map((id, c) => [id, new Uint8Array(buf.buffer, buf.byteOffset + 4 + n + c * px, px)]))
    return { predictionAt: h.predictionAt, width: h.width, height: h.height, probs }
  } catch {
    return null
  }
}
