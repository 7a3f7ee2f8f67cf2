/**
 * The bytes of a frame's cached maps for the review's panes: the PNGs the
 * inference wrote, as they are. A frame larger than SERVED_MAX_SIDE a side
 * gets reduced copies, made once under cache/review/model-<id>/<image>/
 * (probabilities as grey PNG, the reconstruction as JPEG), so switching
 * frames never moves megabytes of maps the panes cannot show. A linear map
 * from an earlier version is served as a copy in the stored code
 * (src/shared/review/mapCode.ts), the bytes the panes read.
 */
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import sharp from 'sharp'
import type { ReviewMapImage, ReviewMaps } from '../../../shared/contract'
import { listClasses } from '../classes'
import type { Workspace } from '../workspace'
import { CODE_OF_LINEAR, remapBytes } from '../../../shared/review/mapCode'
import { predictionRef, probFile, readGrey, reconFile, reducedSize, type MapEncoding } from './mapFiles'

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

/** What a served file holds: the reconstruction, or a probability map in a MapEncoding. */
type ServedKind = 'recon' | MapEncoding

/** The file to serve for a map: the engine's PNG, or its reduced or recoded copy (made on first need). */
async function servedFile(file: string, frame: { width: number; height: number }, reducedDir: string, kind: ServedKind): Promise<ServedFile> {
  const size = reducedSize(frame.width, frame.height, SERVED_MAX_SIDE)
  const grey = kind !== 'recon'
  if (size.width === frame.width && size.height === frame.height && kind !== 'linear') return { path: file, mime: 'image/png', ...frame }
  // Probability maps stay exact PNG grey levels; the reconstruction is a picture and goes as JPEG (a tenth of the bytes).
  // A recoded linear map gets its own name, apart from reduced copies made before maps were coded.
  const out = join(reducedDir, basename(file).replace(/\.png$/, kind === 'linear' ? '.code.png' : grey ? '.png' : '.jpg'))
  if (!(existsSync(out) && statSync(out).mtimeMs >= statSync(file).mtimeMs)) {
    // The statistics pass and a page asking for the frame may want the same copy at once: make it once.
    let making = inFlight.get(out)
    if (!making) {
      making = reduce(file, out, size, kind).finally(() => inFlight.delete(out))
      inFlight.set(out, making)
    }
    await making
  }
  return { path: out, mime: grey ? 'image/png' : 'image/jpeg', ...size }
}

const inFlight = new Map<string, Promise<void>>()

async function reduce(file: string, out: string, size: { width: number; height: number }, kind: ServedKind): Promise<void> {
  mkdirSync(dirname(out), { recursive: true })
  const tmp = `${out}.tmp-${process.pid}`
  if (kind === 'recon') {
    await sharp(file).resize({ width: size.width, height: size.height, fit: 'fill', kernel: 'linear' }).jpeg({ quality: 90 }).toFile(tmp)
  } else {
    // One channel for probabilities (the engine writes them as RGB with three equal channels).
    const m = await readGrey(file, size)
    if (kind === 'linear') remapBytes(m.data, CODE_OF_LINEAR)
    await sharp(m.data, { raw: { width: m.width, height: m.height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 3 }).toFile(tmp)
  }
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
    if (src) probs.push({ classId: c.id, ...(await servedFile(src.file, frame, reducedDir, src.encoding)) })
  }
  return { recon: recon ? await servedFile(recon, frame, reducedDir, 'recon') : null, probs }
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
