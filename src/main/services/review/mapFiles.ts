/**
 * Where a model's cached prediction maps for a frame are, and reading them:
 * the ML engine writes outDir/<id>/recon.png, logit-<class>.png (the
 * probability in the bytes of src/shared/review/mapCode.ts, grey) and
 * mask-<class>.png (0/255) at frame size. Maps from earlier versions hold
 * prob-<class>.png (probability x 255) instead; they are read into the same
 * bytes.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { StudioError, type ClassDef } from '../../../shared/contract'
import { CODE_OF_LINEAR, remapBytes } from '../../../shared/review/mapCode'
import type { Workspace } from '../workspace'

/** A file-name-safe form of an id or class name; matches the ML engine's naming of its PNGs. */
export function safeName(value: string | number): string {
  return String(value).replace(/[^A-Za-z0-9._-]+/g, '_')
}

export interface PredictionRef {
  modelId: number
  imageId: number
  mapsPath: string
  /** predictions.created_at: changes when the frame is inferred again. */
  at: string
  runId: number | null
}

export function predictionRef(ws: Workspace, modelId: number, imageId: number): PredictionRef {
  const row = ws.db.prepare('SELECT maps_path, created_at, run_id FROM predictions WHERE model_id = ? AND image_id = ?').get(modelId, imageId) as
    | { maps_path: string | null; created_at: string; run_id: number | null }
    | undefined
  if (!row || !row.maps_path) {
    throw new StudioError('not_found', `Model ${modelId} has no prediction for frame ${imageId}: run the model on it first.`)
  }
  return { modelId, imageId, mapsPath: row.maps_path, at: row.created_at, runId: row.run_id }
}

export function reconFile(ref: PredictionRef): string | null {
  const f = join(ref.mapsPath, 'recon.png')
  return existsSync(f) ? f : null
}

/** How a map file holds probabilities: the stored code, probability x 255 (earlier versions), or a 0/255 mask. */
export type MapEncoding = 'code' | 'linear' | 'mask'

export interface ProbSource {
  file: string
  encoding: MapEncoding
}

/**
 * The class's probability map: the coded map, a linear one from an earlier
 * version, or (maps written before the engine kept probabilities) its
 * thresholded mask, read as probabilities 0 or 1.
 */
export function probFile(ref: Pick<PredictionRef, 'mapsPath'>, cls: Pick<ClassDef, 'name'>): ProbSource | null {
  const name = safeName(cls.name)
  for (const [prefix, encoding] of [['logit', 'code'], ['prob', 'linear'], ['mask', 'mask']] as const) {
    const file = join(ref.mapsPath, `${prefix}-${name}.png`)
    if (existsSync(file)) return { file, encoding }
  }
  return null
}

export interface GreyMap {
  width: number
  height: number
  data: Uint8Array
}

/** First channel of an image as bytes, optionally resized to exactly width x height. */
export async function readGrey(file: string, size?: { width: number; height: number }): Promise<GreyMap> {
  // Resize before taking the channel: sharp turns a resized single channel back into sRGB.
  let img = sharp(file)
  if (size) img = img.resize({ width: size.width, height: size.height, fit: 'fill', kernel: 'linear' })
  const { data, info } = await img.extractChannel(0).raw().toBuffer({ resolveWithObject: true })
  if (info.channels !== 1) throw new Error(`${file}: expected one channel after extracting, got ${info.channels}`)
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
}

/** A probability map in the stored code's bytes, whatever the file holds; a mask becomes bytes 0 and 255 (probabilities 0 and 1). */
export async function readProb(src: ProbSource, size?: { width: number; height: number }): Promise<GreyMap> {
  const m = await readGrey(src.file, size)
  if (src.encoding === 'mask') for (let i = 0; i < m.data.length; i++) m.data[i] = m.data[i]! > 127 ? 255 : 0
  else if (src.encoding === 'linear') remapBytes(m.data, CODE_OF_LINEAR)
  return m
}

/** Size at most maxSide a side, keeping the aspect (never enlarged). */
export function reducedSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const s = Math.min(1, maxSide / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) }
}
