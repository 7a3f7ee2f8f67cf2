/**
 * The discriminative net over a batch of tiles, optionally averaged over
 * the tiles' four mirror images (ModelConfig.inferFlips), each map mirrored
 * back. The tiles are mirrored as flat arrays on their way in and the maps
 * on their way out, rather than with tf.reverse on the tensors: on wasm
 * that kept the mirrored pass within four plain ones (docs/experiments.md,
 * thirty-first measurement). The four passes run one after another rather
 * than as one batch four times the size, so a GPU holds no more
 * activations than without flips.
 */
import * as tf from '@tensorflow/tfjs'
import type { Arch } from '../../shared/arcd/protocol'
import { discInput } from './predictor'

/** A batch of tiles as one flat [batch, height, width, channels] array. */
export interface TileBatch {
  data: Float32Array
  batch: number
  height: number
  width: number
}

/** The tile's mirror images the flipped pass averages: as is, along the width, along the height, both. */
const MIRRORS: readonly (readonly [boolean, boolean])[] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
]

/**
 * `into[i] += scale * src[j]`, j being i's pixel mirrored within its tile
 * (along the width when flipX, the height when flipY). Mirroring is its own
 * inverse, so the same loop mirrors the tiles and maps them back.
 */
export function addMirrored(into: Float32Array, src: Float32Array, t: Omit<TileBatch, 'data'>, channels: number, flipX: boolean, flipY: boolean, scale = 1): void {
  const { batch, height: h, width: w } = t
  const C = channels
  for (let b = 0; b < batch; b++) {
    const base = b * h * w * C
    for (let y = 0; y < h; y++) {
      const row = base + y * w * C
      const fromRow = base + (flipY ? h - 1 - y : y) * w * C
      for (let x = 0; x < w; x++) {
        const o = row + x * C
        const s = fromRow + (flipX ? w - 1 - x : x) * C
        for (let c = 0; c < C; c++) into[o + c] = into[o + c]! + scale * src[s + c]!
      }
    }
  }
}

function mirrored(src: Float32Array, t: Omit<TileBatch, 'data'>, channels: number, flipX: boolean, flipY: boolean): Float32Array {
  if (!flipX && !flipY) return src
  const out = new Float32Array(src.length)
  addMirrored(out, src, t, channels, flipX, flipY)
  return out
}

/**
 * The net's K-channel maps of the batch, batch*height*width*K values. ARCD's
 * net reads [image, recon]; the U-Net the image alone (recon null).
 */
export async function discTiles(disc: tf.LayersModel, arch: Arch, image: TileBatch, recon: TileBatch | null, K: number, flips: boolean): Promise<Float32Array> {
  const shape: [number, number, number, number] = [image.batch, image.height, image.width, 3]
  if (!flips) return mirroredPass(disc, arch, image, recon, shape, false, false)
  const sum = new Float32Array(image.batch * image.height * image.width * K)
  for (const [fx, fy] of MIRRORS) addMirrored(sum, await mirroredPass(disc, arch, image, recon, shape, fx, fy), image, K, fx, fy, 1 / MIRRORS.length)
  return sum
}

/** The net's maps of the batch mirrored as given (not mapped back). */
async function mirroredPass(disc: tf.LayersModel, arch: Arch, image: TileBatch, recon: TileBatch | null, shape: [number, number, number, number], fx: boolean, fy: boolean): Promise<Float32Array> {
  const x = tf.tensor4d(mirrored(image.data, image, 3, fx, fy), shape)
  const r = recon ? tf.tensor4d(mirrored(recon.data, recon, 3, fx, fy), shape) : null
  const p = tf.tidy(() => disc.apply(discInput(arch, x, r), { training: false }) as tf.Tensor4D)
  try {
    return (await p.data()) as Float32Array
  } finally {
    tf.dispose(r ? [x, r, p] : [x, p])
  }
}
