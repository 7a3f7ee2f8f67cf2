/**
 * What the panes need of a frame, fetched and decoded once and kept for the
 * frames around the current one (prefetched), so moving to the next frame
 * only draws: the frame (images.frame), the reconstruction and per-class
 * probability maps (review.maps: the cached PNGs), and the labels
 * (labels.list) rasterised at map size with the shared rasteriser.
 */
import type { Label, ReviewMapImage, StudioApi } from '../../../shared/contract'
import { rasterizeInto } from '../../../shared/geometry/raster'

export interface FrameData {
  imageId: number
  modelId: number
  /** Frame size: the panes' coordinate system. */
  width: number
  height: number
  frame: ImageBitmap
  /** The frame at map size, as RGBA (for the difference view) and as a dimmed grey bitmap (under the TP/FP/FN overlay). */
  frameRgba: Uint8ClampedArray
  frameGrey: ImageBitmap
  recon: ImageBitmap | null
  /** Size of the maps (the frame's, or reduced for a large frame). */
  mapWidth: number
  mapHeight: number
  /** The stored bytes (shared/review/mapCode.ts) per class id, at map size. */
  probs: Map<number, Uint8Array>
  labels: Label[]
  /** 0/1 labels per class id at map size. */
  truth: Map<number, Uint8Array>
}

async function bitmap(img: { mime: string; data: Uint8Array }): Promise<ImageBitmap> {
  const blob = new Blob([img.data as Uint8Array<ArrayBuffer>], { type: img.mime })
  // No colour management: the grey levels of a probability map are data, not colours.
  return createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' })
}

/** RGBA pixels of a bitmap drawn at width x height. */
export function pixelsOf(b: ImageBitmap, width: number, height: number): Uint8ClampedArray {
  const c = new OffscreenCanvas(width, height)
  const ctx = c.getContext('2d', { willReadFrequently: true })
  if (!ctx) throw new Error('no 2D canvas')
  ctx.drawImage(b, 0, 0, width, height)
  return ctx.getImageData(0, 0, width, height).data
}

async function greyBytes(img: ReviewMapImage): Promise<Uint8Array> {
  const b = await bitmap(img)
  const rgba = pixelsOf(b, img.width, img.height)
  b.close()
  const out = new Uint8Array(img.width * img.height)
  for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4]!
  return out
}

export function rasteriseLabels(labels: readonly Label[], frame: { width: number; height: number }, w: number, h: number): Map<number, Uint8Array> {
  const sx = w / frame.width
  const sy = h / frame.height
  const out = new Map<number, Uint8Array>()
  for (const l of labels) {
    let m = out.get(l.classId)
    if (!m) out.set(l.classId, (m = new Uint8Array(w * h)))
    rasterizeInto(m, w, h, sx === 1 && sy === 1 ? l.points : l.points.map((v, k) => (k % 2 === 0 ? v * sx : v * sy)), 1)
  }
  return out
}

async function load(api: StudioApi, modelId: number, imageId: number): Promise<FrameData> {
  const [frameImg, maps, labels] = await Promise.all([api.images.frame({ id: imageId }), api.review.maps({ modelId, imageId }), api.labels.list({ imageId })])
  const first = maps.probs[0] ?? maps.recon
  const mapWidth = first?.width ?? frameImg.width
  const mapHeight = first?.height ?? frameImg.height
  const [frame, recon, probs] = await Promise.all([
    bitmap(frameImg),
    maps.recon ? bitmap(maps.recon) : Promise.resolve(null),
    Promise.all(maps.probs.map(async (p) => [p.classId, await greyBytes(p)] as const))
  ])
  // Made here, while prefetching, so showing the frame only draws.
  const frameRgba = pixelsOf(frame, mapWidth, mapHeight)
  const grey = new Uint8ClampedArray(frameRgba.length)
  for (let o = 0; o < grey.length; o += 4) {
    const v = (frameRgba[o]! * 0.3 + frameRgba[o + 1]! * 0.59 + frameRgba[o + 2]! * 0.11) * 0.55
    grey[o] = v
    grey[o + 1] = v
    grey[o + 2] = v
    grey[o + 3] = 255
  }
  const frameGrey = await createImageBitmap(new ImageData(grey, mapWidth, mapHeight))
  return {
    imageId,
    modelId,
    width: frameImg.width,
    height: frameImg.height,
    frame,
    frameRgba,
    frameGrey,
    recon,
    mapWidth,
    mapHeight,
    probs: new Map(probs),
    labels,
    truth: rasteriseLabels(labels, frameImg, mapWidth, mapHeight)
  }
}

const KEEP = 10

/** What a cached frame was loaded from: new maps reload everything, new labels only the labels. */
export interface FrameVersion {
  predictionAt: string
  labelsRev: number
}

interface Entry {
  version: FrameVersion
  data: Promise<FrameData>
}

/** Frames by model and id, most recently used last; the oldest are dropped beyond KEEP. */
export class FrameCache {
  private readonly entries = new Map<string, Entry>()
  private prefetchToken = 0

  constructor(private readonly api: StudioApi) {}

  get(modelId: number, imageId: number, version: FrameVersion): Promise<FrameData> {
    const key = `${modelId}:${imageId}`
    let e = this.entries.get(key)
    if (e) this.entries.delete(key)
    if (!e || e.version.predictionAt !== version.predictionAt) {
      e = { version, data: load(this.api, modelId, imageId) }
    } else if (e.version.labelsRev !== version.labelsRev) {
      e = { version, data: e.data.then((d) => this.withLabels(d)) }
    }
    const entry = e
    this.entries.set(key, entry)
    // A failed load is not kept: the next look tries again.
    entry.data.catch(() => this.entries.get(key) === entry && this.entries.delete(key))
    // Dropped frames' bitmaps are left to the garbage collector: one may still be on screen.
    while (this.entries.size > KEEP) this.entries.delete(this.entries.keys().next().value as string)
    return entry.data
  }

  private async withLabels(d: FrameData): Promise<FrameData> {
    const labels = await this.api.labels.list({ imageId: d.imageId })
    return { ...d, labels, truth: rasteriseLabels(labels, d, d.mapWidth, d.mapHeight) }
  }

  private has(modelId: number, imageId: number, version: FrameVersion): boolean {
    const e = this.entries.get(`${modelId}:${imageId}`)
    return !!e && e.version.predictionAt === version.predictionAt && e.version.labelsRev === version.labelsRev
  }

  /**
   * Loads the frames one after the other, nearest first (in parallel they
   * would all arrive late); errors surface when a frame is shown.
   */
  prefetch(modelId: number, frames: readonly { imageId: number; version: FrameVersion }[]): void {
    const todo = frames.filter((f) => !this.has(modelId, f.imageId, f.version))
    const token = ++this.prefetchToken
    const next = (k: number): void => {
      // A newer prefetch (the user moved on) replaces this one.
      if (k >= todo.length || token !== this.prefetchToken) return
      const f = todo[k]!
      void this.get(modelId, f.imageId, f.version).then(
        () => next(k + 1),
        () => next(k + 1)
      )
    }
    next(0)
  }

  clear(): void {
    this.entries.clear()
  }
}
