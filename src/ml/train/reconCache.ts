/**
 * Stage 2's reconstructions of its validation frames, made once. The
 * reconstruction net is frozen in stage 2, so a frame's reconstruction never
 * changes there, and every validation round and the threshold choice read
 * the same frames. Each is reconstructed whole, as inference does, and kept
 * as an 8-bit image: validation reads the very reconstruction that
 * inference on that frame gives.
 */
import * as os from 'node:os'
import { reconstructFrame } from '../infer/tiles'
import { CancelledError, log, yieldToEventLoop } from '../jobs/context'
import { tileSetupOf, type TileRun } from './tileContext'
import type { TileFrame } from './tileData'

export type ReconCache = Map<TileFrame, Uint8Array>

/** An eighth of the machine's memory, at most 4 GiB (the frames themselves take as much again). */
export function defaultReconCacheBytes(): number {
  return Math.min(4 * 2 ** 30, Math.floor(os.totalmem() / 8))
}

/**
 * The reconstructions of `frames` (each frame once; those in `known` are
 * taken from it), or null when they would take more than `maxBytes`: they
 * are then reconstructed at every use.
 */
export async function buildReconCache(c: TileRun, frames: TileFrame[], maxBytes = defaultReconCacheBytes(), known: ReconCache = new Map()): Promise<ReconCache | null> {
  const unique = [...new Set(frames)]
  const bytes = unique.reduce((n, f) => n + f.frame.width * f.frame.height * 3, 0)
  if (bytes > maxBytes) {
    log(c.ctx, 'info', `stage 2: the reconstructions of ${unique.length} frames would take ${(bytes / 2 ** 20).toFixed(0)} MB (the cache holds at most ${(maxBytes / 2 ** 20).toFixed(0)} MB): they are reconstructed at every use`)
    return null
  }
  const setup = tileSetupOf(c)
  const t0 = performance.now()
  const cache: ReconCache = new Map()
  for (const f of unique) {
    if (c.ctx.isCancelled()) throw new CancelledError()
    cache.set(f, known.get(f) ?? (await reconstructFrame(setup, f.frame)))
    await yieldToEventLoop()
  }
  log(c.ctx, 'info', `stage 2: reconstructed ${unique.length} frames once (${(bytes / 2 ** 20).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return cache
}
