import { existsSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type { FramePredictions, PredictionMap } from '../../../shared/contract'
import type { InferResult } from '../../../shared/arcd/protocol'
import { nowIso } from '../../db/connection'
import { listClasses } from '../classes'
import type { Workspace } from '../workspace'

/** Heatmaps go to the UI at most this long a side: an overlay needs no more. */
const HEATMAP_MAX_SIDE = 640

/** A file-name-safe form of an id or class name; matches the ML engine's naming of its PNGs. */
function safeName(value: string | number): string {
  return String(value).replace(/[^A-Za-z0-9._-]+/g, '_')
}

/** Records an inference run's results; the PNG maps stay where the ML process wrote them. */
export function storePredictions(ws: Workspace, modelId: number, runId: number, result: InferResult, outDir: string): void {
  const upsert = ws.db.prepare(
    `INSERT INTO predictions (model_id, image_id, score, class_scores, maps_path, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (model_id, image_id) DO UPDATE SET score = excluded.score, class_scores = excluded.class_scores,
       maps_path = excluded.maps_path, run_id = excluded.run_id, created_at = excluded.created_at`
  )
  const at = nowIso()
  ws.db.transaction(() => {
    for (const item of result.items) {
      upsert.run(modelId, Number(item.id), item.score, JSON.stringify(item.classScores), join(outDir, safeName(item.id)), runId, at)
    }
  })()
}

async function readGrey(file: string, maxSide?: number): Promise<{ width: number; height: number; data: Uint8Array }> {
  let img = sharp(file).extractChannel(0)
  if (maxSide) img = img.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
}

/**
 * The active model's prediction for a frame, for the editor's overlays:
 * per-class heatmaps (reduced) and the thresholded masks at frame size for
 * the classes that have any. Null when there is none.
 */
export async function readPredictions(ws: Workspace, imageId: number): Promise<FramePredictions | null> {
  const row = ws.db
    .prepare(
      `SELECT p.model_id, p.score, p.class_scores, p.maps_path, m.run_id FROM predictions p
       JOIN models m ON m.id = p.model_id AND m.active = 1 WHERE p.image_id = ?`
    )
    .get(imageId) as { model_id: number; score: number; class_scores: string; maps_path: string | null; run_id: number } | undefined
  if (!row || !row.maps_path || !existsSync(row.maps_path)) return null
  const heatmaps: PredictionMap[] = []
  const masks: PredictionMap[] = []
  for (const c of listClasses(ws)) {
    const prob = join(row.maps_path, `prob-${safeName(c.name)}.png`)
    if (existsSync(prob)) heatmaps.push({ classId: c.id, ...(await readGrey(prob, HEATMAP_MAX_SIDE)) })
    const mask = join(row.maps_path, `mask-${safeName(c.name)}.png`)
    if (existsSync(mask)) {
      const m = await readGrey(mask)
      if (m.data.some((v) => v > 0)) masks.push({ classId: c.id, width: m.width, height: m.height, data: m.data.map((v) => (v > 127 ? 1 : 0)) })
    }
  }
  return {
    imageId,
    modelId: row.model_id,
    runId: row.run_id,
    score: row.score,
    classScores: JSON.parse(row.class_scores) as Record<string, number>,
    heatmaps,
    masks
  }
}
