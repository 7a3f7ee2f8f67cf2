import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { FramePredictions, PredictionMap } from '../../../shared/contract'
import type { InferResult } from '../../../shared/arcd/protocol'
import { LINEAR_OF_CODE, remapBytes } from '../../../shared/review/mapCode'
import { predictedMasks } from '../../../shared/review/predicted'
import { nowIso } from '../../db/connection'
import { listClasses } from '../classes'
import { probFile, readGrey, readProb, reducedSize, safeName } from '../review/mapFiles'
import type { Workspace } from '../workspace'

/** Heatmaps go to the UI at most this long a side: an overlay needs no more. */
const HEATMAP_MAX_SIDE = 640

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

/**
 * The active model's prediction for a frame, for the editor's overlays:
 * per-class heatmaps (reduced) and, for the classes that have any, the
 * predicted masks at map size (the frame's). The masks are made here from
 * the class's probability map (../review/mapFiles.ts) by the one
 * post-processor at the model's current thresholds (saved from the
 * review), not read from mask-<class>.png, which
 * hold the thresholds of the inference time; so the editor, the review and
 * the evaluation agree on every pixel. Classes the model has no output for
 * have no map. Null when there is no prediction.
 */
export async function readPredictions(ws: Workspace, imageId: number): Promise<FramePredictions | null> {
  const row = ws.db
    .prepare(
      `SELECT p.model_id, p.score, p.class_scores, p.maps_path, m.run_id, m.thresholds FROM predictions p
       JOIN models m ON m.id = p.model_id AND m.active = 1 WHERE p.image_id = ?`
    )
    .get(imageId) as { model_id: number; score: number; class_scores: string; maps_path: string | null; run_id: number; thresholds: string } | undefined
  if (!row || !row.maps_path || !existsSync(row.maps_path)) return null
  const saved = JSON.parse(row.thresholds) as Record<string, number>
  // Maps written before the engine kept probabilities have only the mask: it reads as probabilities 0 and 1.
  const sources = listClasses(ws).flatMap((c) => {
    const src = probFile({ mapsPath: row.maps_path! }, c)
    return src ? [{ cls: c, src }] : []
  })
  const classes = sources.map((s) => s.cls)
  const heatmaps: PredictionMap[] = []
  const full: Uint8Array[] = []
  let size: { width: number; height: number } | null = null
  for (const { cls, src } of sources) {
    const m = await readProb(src)
    if (size && (size.width !== m.width || size.height !== m.height)) throw new Error(`frame ${imageId}: the class maps differ in size`)
    size ??= { width: m.width, height: m.height }
    if (src.encoding !== 'mask') {
      // The editor's heatmap shows probability x 255.
      const h = await readGrey(src.file, reducedSize(m.width, m.height, HEATMAP_MAX_SIDE))
      if (src.encoding === 'code') remapBytes(h.data, LINEAR_OF_CODE)
      heatmaps.push({ classId: cls.id, ...h })
    }
    full.push(m.data)
  }
  const masks: PredictionMap[] = []
  if (size) {
    // A class the thresholds lack (added after training) keeps the engine's default.
    const thresholds = Object.fromEntries(classes.map((c) => [c.name, saved[c.name] ?? 0.5]))
    predictedMasks(full, classes, thresholds).forEach((m, k) => {
      if (m && m.some((v) => v > 0)) masks.push({ classId: classes[k]!.id, width: size!.width, height: size!.height, data: m })
    })
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
