/**
 * Decodes and letterboxes each frame once per run and keeps the model-size
 * floats in memory (256x256x3 floats = 768 KB a frame), with the per-class
 * targets of labelled frames.
 */
import type { ClassSpec, DatasetItem } from '../../shared/arcd/protocol'
import { decodeFrame } from '../data/decode'
import { letterboxImage, type Letterbox } from '../data/letterbox'
import { rasterizeTargets } from '../data/targets'
import { badInput, yieldToEventLoop, type JobContext, CancelledError } from '../jobs/context'

export interface Sample {
  item: DatasetItem
  /** size*size*3 in [0, 1]. */
  image: Float32Array
  box: Letterbox
  /** size*size*K 0/1 targets (all zero for a normal frame). */
  targets: Float32Array
}

/**
 * Targets are rasterised 4x finer and a model pixel is marked when a quarter
 * of it is covered, so cracks thinner than a model pixel survive the resize.
 */
export const TARGET_OPTIONS = { supersample: 4, minCoverage: 0.25 } as const

/** A frame counts as labelled when it is not marked normal and has polygons. */
export function isLabelled(item: DatasetItem): boolean {
  return !item.normal && item.polygons.length > 0
}

/** Has any polygon of a defect class (its image-level truth). */
export function isAnomalous(item: DatasetItem, classes: ClassSpec[]): boolean {
  return item.polygons.some((p) => classes[p.classIndex]?.kind === 'defect')
}

export function validateItems(items: DatasetItem[], classCount: number): void {
  const seen = new Set<string>()
  for (const it of items) {
    const where = `image ${String(it.id)}`
    if (typeof it.path !== 'string' || !it.path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(it.path)) {
      throw badInput(`${where}: path must be absolute, got ${JSON.stringify(it.path)}`)
    }
    const key = String(it.id)
    if (seen.has(key)) throw badInput(`${where}: duplicate id`)
    seen.add(key)
    if (!['train', 'val', 'test'].includes(it.split)) throw badInput(`${where}: unknown split ${JSON.stringify(it.split)}`)
    if (!Array.isArray(it.polygons)) throw badInput(`${where}: polygons must be an array`)
    for (const p of it.polygons) {
      if (!Number.isInteger(p.classIndex) || p.classIndex < 0 || p.classIndex >= classCount) {
        throw badInput(`${where}: polygon class index ${p.classIndex} is outside 0..${classCount - 1}`)
      }
      if (!Array.isArray(p.points) || p.points.length < 6 || p.points.length % 2 !== 0 || p.points.some((v) => !Number.isFinite(v))) {
        throw badInput(`${where}: a polygon needs at least 3 finite points as [x0, y0, x1, y1, ...]`)
      }
    }
  }
}

export function polygonsByClass(item: DatasetItem, classCount: number): number[][][] {
  const out: number[][][] = Array.from({ length: classCount }, () => [])
  for (const p of item.polygons) out[p.classIndex]!.push(p.points)
  return out
}

/**
 * Letterboxed frames by size and path, shared between runs of one process
 * (the experiment trains seven models on the same frames).
 */
export type FrameCache = Map<string, { image: Float32Array; box: Letterbox }>

/** Loads frames into memory, a few at a time; checks for cancel between frames. */
export async function loadSamples(
  items: DatasetItem[],
  size: number,
  classCount: number,
  ctx?: JobContext,
  cache?: FrameCache
): Promise<Sample[]> {
  const out: Sample[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (ctx?.isCancelled()) throw new CancelledError()
      const k = next++
      const item = items[k]!
      const key = `${size}:${item.path}`
      let loaded = cache?.get(key)
      if (!loaded) {
        let frame
        try {
          frame = await decodeFrame(item.path)
        } catch (err) {
          throw badInput(`image ${String(item.id)}: ${(err as Error).message}`)
        }
        if (frame.width !== item.width || frame.height !== item.height) {
          // Polygons are in the coordinates of the size the caller recorded; a
          // different decoded size would silently misplace every label.
          throw badInput(
            `image ${String(item.id)} (${item.path}) decodes to ${frame.width}x${frame.height}, the dataset says ${item.width}x${item.height}`
          )
        }
        const { tensor, box } = await letterboxImage(frame, size)
        loaded = { image: tensor, box }
        cache?.set(key, loaded)
        await yieldToEventLoop()
      } else if (loaded.box.srcWidth !== item.width || loaded.box.srcHeight !== item.height) {
        throw badInput(`image ${String(item.id)} (${item.path}) is ${loaded.box.srcWidth}x${loaded.box.srcHeight}, the dataset says ${item.width}x${item.height}`)
      }
      const targets = rasterizeTargets(polygonsByClass(item, classCount), loaded.box, TARGET_OPTIONS)
      out[k] = { item, image: loaded.image, box: loaded.box, targets }
    }
  }
  await Promise.all([worker(), worker()])
  return out
}
