/** Batch assembly from cached Float32 maps, and the flip augmentation of stage 2. */
import * as tf from '@tensorflow/tfjs'

/** Stacks equal-size HWC maps into a [B, size, size, C] tensor. */
export function stack(maps: Float32Array[], size: number, channels: number): tf.Tensor4D {
  const per = size * size * channels
  const buf = new Float32Array(maps.length * per)
  maps.forEach((m, i) => {
    if (m.length !== per) throw new Error(`batch map ${i} holds ${m.length} values, expected ${per}`)
    buf.set(m, i * per)
  })
  return tf.tensor4d(buf, [maps.length, size, size, channels])
}

/** Flips an HWC map horizontally and/or vertically (new array). */
export function flipMap(map: Float32Array, size: number, channels: number, horizontal: boolean, vertical: boolean): Float32Array {
  if (!horizontal && !vertical) return map
  const out = new Float32Array(map.length)
  for (let y = 0; y < size; y++) {
    const sy = vertical ? size - 1 - y : y
    for (let x = 0; x < size; x++) {
      const sx = horizontal ? size - 1 - x : x
      const o = (y * size + x) * channels
      const s = (sy * size + sx) * channels
      for (let c = 0; c < channels; c++) out[o + c] = map[s + c]!
    }
  }
  return out
}

/** Splits an index order into batches of at most `batchSize`. */
export function batchesOf<T>(order: T[], batchSize: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize))
  return out
}

/**
 * Cosine decay from lr to lr * floor over the stage's steps (no warm-up:
 * Adam's bias correction already damps the first steps).
 */
export function cosineLr(baseLr: number, step: number, totalSteps: number, floor = 0.05): number {
  if (totalSteps <= 1) return baseLr
  const t = Math.min(1, Math.max(0, step / (totalSteps - 1)))
  return baseLr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * t)))
}

/** Linear warm-up over `warmup` steps, then cosineLr over the rest. */
export function warmCosineLr(baseLr: number, step: number, totalSteps: number, warmup: number, floor = 0.05): number {
  if (warmup > 0 && step < warmup) return (baseLr * (step + 1)) / warmup
  return cosineLr(baseLr, step - warmup, totalSteps - warmup, floor)
}
