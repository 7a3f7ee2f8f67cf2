/**
 * The bytes of a frame's cached maps for the review's panes: the PNGs the
 * inference wrote, as they are. A frame larger than SERVED_MAX_SIDE a side
 * gets reduced copies, made once under cache/review/model-<id>/<image>/
 * (probabilities as grey PNG, the reconstruction as JPEG), so switching
 * frames never moves megabytes of maps the panes cannot show.
 */
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import sharp from 'sharp'
import type { ReviewMapImage, ReviewMaps } from '../../../shared/contract'
import { listClasses } from '../classes'
import type { Workspace } from '../workspace'
import { predictionRef, probFile, reconFile, reducedSize } from './mapFiles'

export const SERVED_MAX_SIDE = 1024

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

interface ServedFile {
  path: string
  mime: string
  width: number
  height: number
}

/** The file to serve for a map: the engine's PNG, or for a large frame its reduced copy (made on first need). */
async function servedFile(file: string, frame: { width: number; height: number }, reducedDir: string, grey: boolean): Promise<ServedFile> {
  const size = reducedSize(frame.width, frame.height, SERVED_MAX_SIDE)
  if (size.width === frame.width && size.height === frame.height) return { path: file, mime: 'image/png', ...frame }
  // Probability maps stay exact PNG grey levels; the reconstruction is a picture and goes as JPEG (a tenth of the bytes).
  const out = join(reducedDir, basename(file).replace(/\.png$/, grey ? '.png' : '.jpg'))
  if (!(existsSync(out) && statSync(out).mtimeMs >= statSync(file).mtimeMs)) {
    // The statistics pass and a page asking for the frame may want the same copy at once: make it once.
    let making = inFlight.get(out)
    if (!making) {
      making = reduce(file, out, size, grey).finally(() => inFlight.delete(out))
      inFlight.set(out, making)
    }
    await making
  }
  return { path: out, mime: grey ? 'image/png' : 'image/jpeg', ...size }
}

const inFlight = new Map<string, Promise<void>>()

async function reduce(file: string, out: string, size: { width: number; height: number }, grey: boolean): Promise<void> {
  mkdirSync(dirname(out), { recursive: true })
  const resized = sharp(file).resize({ width: size.width, height: size.height, fit: 'fill', kernel: 'linear' })
  // One channel for probabilities (the engine writes them as RGB with three equal channels); taken after the
  // resize, which would turn a single channel back into sRGB.
  const img = grey ? resized.extractChannel(0).toColourspace('b-w') : resized
  const tmp = `${out}.tmp-${process.pid}`
  await (grey ? img.png({ compressionLevel: 3 }) : img.jpeg({ quality: 90 })).toFile(tmp)
  renameSync(tmp, out)
}

async function read(f: ServedFile): Promise<ReviewMapImage> {
  return { mime: f.mime, width: f.width, height: f.height, data: toBytes(await readFile(f.path)) }
}

/** Every map file of a frame, reduced copies made where needed. */
async function servedFiles(ws: Workspace, modelId: number, imageId: number): Promise<{ recon: ServedFile | null; probs: (ServedFile & { classId: number })[] }> {
  const ref = predictionRef(ws, modelId, imageId)
  const frame = ws.db.prepare('SELECT width, height FROM images WHERE id = ?').get(imageId) as { width: number; height: number }
  const reducedDir = join(ws.paths.cache, 'review', `model-${modelId}`, String(imageId))
  const recon = reconFile(ref)
  const probs: (ServedFile & { classId: number })[] = []
  for (const c of listClasses(ws)) {
    const src = probFile(ref, c)
    // A mask fallback (0/255) reads as probabilities 0 and 1 without change.
    if (src) probs.push({ classId: c.id, ...(await servedFile(src.file, frame, reducedDir, true)) })
  }
  return { recon: recon ? await servedFile(recon, frame, reducedDir, false) : null, probs }
}

/** Makes the reduced copies a large frame's panes will ask for (the statistics pass calls it, so a first visit is as quick as the next). */
export async function prepareServedMaps(ws: Workspace, modelId: number, imageId: number): Promise<void> {
  await servedFiles(ws, modelId, imageId)
}

export async function readServedMaps(ws: Workspace, modelId: number, imageId: number): Promise<ReviewMaps> {
  const files = await servedFiles(ws, modelId, imageId)
  return {
    imageId,
    modelId,
    recon: files.recon ? await read(files.recon) : null,
    probs: await Promise.all(files.probs.map(async (p) => ({ classId: p.classId, ...(await read(p)) })))
  }
}
