/**
 * Training targets: polygons in frame pixels -> one 0/1 map per class at the
 * model size, through the project's single rasteriser so a target covers the
 * same pixels the editor and the metrics use.
 */
import { rasterizeInto } from '../../shared/geometry/raster'
import { polygonToModel, type Letterbox } from './letterbox'

export interface TargetOptions {
  /**
   * Rasterise at size*supersample and mark a model pixel when at least
   * `minCoverage` of its sub-pixels are covered. Default 1 (plain
   * rasterisation at the model size). At 2560 -> 256 a crack 5 frame pixels
   * wide is half a model pixel and can vanish; supersample 4 with a small
   * minCoverage keeps it.
   */
  supersample?: number
  /** Share of covered sub-pixels needed (0 < minCoverage <= 1). Default 0.5. */
  minCoverage?: number
}

/**
 * size*size*K floats (interleaved, K = polysByClass.length, channel k = class
 * k), 1 inside any polygon of that class, else 0.
 */
export function rasterizeTargets(
  polysByClass: readonly (readonly (readonly number[])[])[],
  box: Letterbox,
  opts: TargetOptions = {}
): Float32Array {
  const K = polysByClass.length
  const size = box.size
  const ss = opts.supersample ?? 1
  if (!(Number.isInteger(ss) && ss >= 1)) throw new Error(`rasterizeTargets: supersample must be a positive integer, got ${ss}`)
  const minCoverage = opts.minCoverage ?? 0.5
  if (!(minCoverage > 0 && minCoverage <= 1)) throw new Error(`rasterizeTargets: minCoverage must be in (0, 1], got ${minCoverage}`)
  const out = new Float32Array(size * size * K)
  const fine = size * ss
  const mask = new Uint8Array(fine * fine)
  const need = Math.max(1, Math.ceil(minCoverage * ss * ss - 1e-9))
  for (let k = 0; k < K; k++) {
    const polys = polysByClass[k]!
    if (polys.length === 0) continue
    mask.fill(0)
    for (const poly of polys) {
      const mp = polygonToModel(poly, box)
      if (ss !== 1) for (let i = 0; i < mp.length; i++) mp[i] = mp[i]! * ss
      rasterizeInto(mask, fine, fine, mp, 1)
    }
    if (ss === 1) {
      for (let i = 0; i < size * size; i++) if (mask[i]) out[i * K + k] = 1
      continue
    }
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let count = 0
        for (let dy = 0; dy < ss; dy++) {
          const row = (y * ss + dy) * fine + x * ss
          for (let dx = 0; dx < ss; dx++) count += mask[row + dx]!
        }
        if (count >= need) out[(y * size + x) * K + k] = 1
      }
    }
  }
  return out
}
