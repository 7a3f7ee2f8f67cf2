/** Frames at the analysis scale with their targets and crop centres, and random crop windows. */
import type { DatasetItem } from '../../shared/arcd/protocol'
import { classMapper, loadAnalysisFrame, rasterizeLabels, type AnalysisFrame } from '../data/analysis'
import type { CropWindow, Dihedral } from '../data/crops'
import type { Rng } from '../data/rng'
import { CancelledError, badInput, yieldToEventLoop } from '../jobs/context'
import { streamRng } from './streams'
import type { TileRun } from './tileContext'

/** Labelled pixels remembered per frame and class as crop centres. */
const MAX_CENTRES = 4096

export interface TileFrame {
  item: DatasetItem
  frame: AnalysisFrame
  /** width*height*K 0/1, channels = the model's classes. */
  targets: Uint8Array
  /** Per model class, a sample of labelled pixel indices (y * width + x). */
  centres: Uint32Array[]
}

/** Analysis-scale frames by maxShortSide and path, shared by runs in one process. */
export type AnalysisCache = Map<string, AnalysisFrame>


export function randomDihedral(rng: Rng, rotate90: boolean): Dihedral {
  return { transpose: rotate90 && rng.next() < 0.5, flipX: rng.next() < 0.5, flipY: rng.next() < 0.5 }
}

export function randomWindow(rng: Rng, f: AnalysisFrame, size: number, rotate90: boolean): CropWindow {
  const x0 = f.width > size ? rng.int(0, f.width - size) : Math.floor((f.width - size) / 2)
  const y0 = f.height > size ? rng.int(0, f.height - size) : Math.floor((f.height - size) / 2)
  return { x0, y0, size, t: randomDihedral(rng, rotate90) }
}

export async function loadTileFrames(c: TileRun, items: DatasetItem[], cache?: AnalysisCache): Promise<TileFrame[]> {
  const { spec, ctx, classes } = c
  const K = classes.length
  const map = classMapper(spec.classes, classes)
  const out: TileFrame[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (ctx.isCancelled()) throw new CancelledError()
      const k = next++
      const item = items[k]!
      const key = `${c.model.maxShortSide}:${item.path}`
      let frame = cache?.get(key)
      if (!frame) {
        try {
          frame = await loadAnalysisFrame(item.path, c.model.maxShortSide, { width: item.width, height: item.height })
        } catch (err) {
          throw badInput(`image ${String(item.id)}: ${(err as Error).message}`)
        }
        cache?.set(key, frame)
        await yieldToEventLoop()
      } else if (frame.srcWidth !== item.width || frame.srcHeight !== item.height) {
        throw badInput(`image ${String(item.id)} (${item.path}) is ${frame.srcWidth}x${frame.srcHeight}, the dataset says ${item.width}x${item.height}`)
      }
      const targets = rasterizeLabels(item, frame, K, map)
      const rng = streamRng(spec.train.seed, 21, k)
      const centres = classes.map((_, ci) => {
        const idx: number[] = []
        for (let i = 0; i < frame!.width * frame!.height; i++) if (targets[i * K + ci]) idx.push(i)
        return Uint32Array.from(idx.length > MAX_CENTRES ? rng.sample(idx, MAX_CENTRES) : idx)
      })
      out[k] = { item, frame, targets, centres }
    }
  }
  await Promise.all([worker(), worker()])
  return out
}
