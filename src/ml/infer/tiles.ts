/**
 * Tiled inference at the analysis scale: the frame is covered by overlapping
 * tiles, and each net's outputs are blended with weights that fall off
 * towards a tile's edges (a pixel near a tile border has seen little
 * context). For ARCD the (frozen) reconstruction net goes first, giving one
 * reconstruction of the whole frame, and the discriminative net's tiles read
 * [image, that reconstruction]; then one probability map per class. Tensor
 * memory stays bounded by the batch of tiles, whatever the frame size, which
 * is what a GPU needs.
 *
 * The discriminative net's tiles may be larger than the training crops
 * (ModelConfig.inferTile): it is fully convolutional. The reconstruction net
 * keeps its crop size and reconstructs the frame mirror-extended (see
 * reconstructFrame). Along each frame side a tile is the frame
 * rounded up to the nets' pooling multiple, between the training crop and
 * the inference tile, so a small frame is not centred in a field of black.
 */
import * as tf from '@tensorflow/tfjs'
import { DEFAULT_TILE_OVERLAP, inferTileFor, type ModelConfig } from '../../shared/arcd/config'
import type { Arch, ClassSpec } from '../../shared/arcd/protocol'
import { imageScore } from '../../shared/arcd/postprocess'
import { ssim } from '../losses/ssim'
import type { Nets } from '../io/modelDir'
import { extractRect, tileStarts } from '../data/crops'
import { mirrorPad } from '../data/mirror'
import { discTiles, type TileBatch } from './tileFlips'

export interface TileGeometry {
  /** The training crop side: the smallest tile, and the scale of the image score's smoothing. */
  size: number
  /** Longest tile side (default: size). */
  maxTile?: number
  /** Tile sides are multiples of this (the nets' pooling factor); default 1. */
  multiple?: number
}

export interface TileSetup extends TileGeometry {
  arch: Arch
  nets: Nets
  classes: ClassSpec[]
  overlap: number
  batchSize: number
  /** Average the discriminative net over the tile's four mirror images (ModelConfig.inferFlips). */
  flips?: boolean
}

/**
 * How a model's frames are tiled. The reconstruction net's MFLM block works
 * on a fixed token grid and CALM pools over the whole width and height it
 * was built for, so a model with either infers on tiles of its crop size.
 */
export function tileGeometry(arch: Arch, model: ModelConfig): Required<TileGeometry> {
  const fixed = (arch === 'arcd' && model.mflm) || model.calm
  const multiple = 2 ** Math.max(model.discDepth, arch === 'arcd' ? model.reconDepth : 0)
  const wanted = fixed ? model.size : inferTileFor(model.size, model.inferTile)
  return { size: model.size, maxTile: Math.max(model.size, Math.floor(wanted / multiple) * multiple), multiple }
}

/** How a model's nets infer on frames: its tiling, its test-time flips and a batch size. */
export function tileSetupFor(arch: Arch, model: ModelConfig, nets: Nets, classes: ClassSpec[], batchSize: number): TileSetup {
  return { arch, nets, classes, ...tileGeometry(arch, model), overlap: model.tileOverlap ?? DEFAULT_TILE_OVERLAP, batchSize, flips: model.inferFlips ?? false }
}

/**
 * Tile side along a frame side of `side` pixels: the longest multiple of the
 * pooling factor that fits inside the frame, so tiles never reach past a
 * frame at least one crop wide. Training crops lie inside their frame, and a
 * tile padded with black there put the networks on an edge they never saw.
 */
export function tileSide(side: number, g: TileGeometry): number {
  const m = g.multiple ?? 1
  const fit = Math.floor(side / m) * m
  return Math.max(g.size, Math.min(g.maxTile ?? g.size, fit))
}

export interface FrameForInference {
  rgb: Uint8Array
  width: number
  height: number
}

export interface TiledPrediction {
  width: number
  height: number
  /** width*height*K, interleaved. */
  probs: Float32Array
  /** width*height*3 in [0, 1], or null for the plain U-Net. */
  recon: Float32Array | null
  score: number
  classMax: number[]
  reconError: { l2: number; ssim: number } | null
}

/** Triangular blending weight along one tile side, never 0 so frame borders keep a value. */
function rampWeights(size: number): Float32Array {
  const w = new Float32Array(size)
  const half = size / 2
  for (let i = 0; i < size; i++) w[i] = Math.max(1e-3, Math.min(1, (Math.min(i, size - 1 - i) + 1) / half))
  return w
}

/** Tiling of one frame: the tile sides and the top-left corners of its tiles. */
interface FrameTiles {
  tw: number
  th: number
  windows: { x0: number; y0: number }[]
}

function frameTiles(setup: TileGeometry & { overlap: number }, W: number, H: number): FrameTiles {
  const tw = tileSide(W, setup)
  const th = tileSide(H, setup)
  const xs = tileStarts(W, tw, setup.overlap)
  const ys = tileStarts(H, th, setup.overlap)
  return { tw, th, windows: ys.flatMap((y0) => xs.map((x0) => ({ x0, y0 }))) }
}

/**
 * Runs `net` over the frame's tiles, a batch at a time, and blends its
 * C-channel outputs into one W*H*C map. `net` gets the batch's windows and
 * returns their outputs, tw*th*C values per window.
 */
async function blendTiles(
  setup: TileGeometry & { overlap: number; batchSize: number },
  W: number,
  H: number,
  C: number,
  net: (batch: { x0: number; y0: number }[], tw: number, th: number) => Promise<Float32Array>
): Promise<Float32Array> {
  const { tw, th, windows } = frameTiles(setup, W, H)
  const out = new Float32Array(W * H * C)
  const weight = new Float32Array(W * H)
  const rampX = rampWeights(tw)
  const rampY = rampWeights(th)
  for (let i = 0; i < windows.length; i += setup.batchSize) {
    const batch = windows.slice(i, i + setup.batchSize)
    const data = await net(batch, tw, th)
    batch.forEach((w, b) => {
      for (let v = 0; v < th; v++) {
        const y = w.y0 + v
        if (y < 0 || y >= H) continue
        for (let u = 0; u < tw; u++) {
          const xx = w.x0 + u
          if (xx < 0 || xx >= W) continue
          const wt = rampX[u]! * rampY[v]!
          const o = y * W + xx
          const t = (b * tw * th + v * tw + u) * C
          weight[o] = weight[o]! + wt
          for (let c = 0; c < C; c++) out[o * C + c] = out[o * C + c]! + wt * data[t + c]!
        }
      }
    })
  }
  for (let o = 0; o < W * H; o++) {
    const inv = 1 / weight[o]!
    for (let c = 0; c < C; c++) out[o * C + c] = out[o * C + c]! * inv
  }
  return out
}

/** The batch's tiles of an 8-bit W*H*C source as one flat [B, th, tw, C] array in [0, 1]. */
function tileBatch(src: Uint8Array, W: number, H: number, C: number, batch: { x0: number; y0: number }[], tw: number, th: number): TileBatch {
  const per = tw * th * C
  const data = new Float32Array(batch.length * per)
  batch.forEach((w, b) => extractRect(src, W, H, C, w.x0, w.y0, tw, th, data, b * per))
  return { data, batch: batch.length, height: th, width: tw }
}

/**
 * Mirrored pixels the frame is extended by before it is reconstructed, so
 * its edges lie inside the tiles (src/ml/data/mirror.ts). 16 brought the
 * demo's edge error from 22.6 to 4.3 grey levels; 32 did no better.
 */
export const RECON_MIRROR = 16

/**
 * The frame's reconstruction as one 8-bit image, blended from tiles like the
 * probability maps. The discriminative net's tiles read this one image, so
 * the reconstruction the review shows is the one the net read, and stage 2
 * can make it once per validation frame (src/ml/train/reconCache.ts). 8 bits
 * are what the frame itself has.
 *
 * The frame is mirror-extended by RECON_MIRROR first, and its tiles are the
 * reconstruction net's training crop, not the larger inference tile: the
 * net was fitted on crops, and on magnetic-tile its error away from the
 * edges was 4.55 grey levels on 64 px tiles against 6.17 on 128 px ones
 * (docs/experiments.md, seventeenth measurement).
 */
export async function reconstructFrame(setup: TileSetup, frame: FrameForInference): Promise<Uint8Array> {
  const recon = setup.nets.recon
  if (!recon) throw new Error('this ARCD model has no reconstruction network')
  const { width: W, height: H } = frame
  const m = RECON_MIRROR
  const padded = mirrorPad(frame.rgb, W, H, 3, m)
  const PW = padded.width
  const blended = await blendTiles({ ...setup, maxTile: setup.size }, PW, padded.height, 3, async (batch, tw, th) => {
    const t = tileBatch(padded.rgb, PW, padded.height, 3, batch, tw, th)
    const x = tf.tensor4d(t.data, [t.batch, th, tw, 3])
    const r = tf.tidy(() => recon.apply(x, { training: false }) as tf.Tensor4D)
    const data = (await r.data()) as Float32Array
    tf.dispose([x, r])
    return data
  })
  const out = new Uint8Array(W * H * 3)
  for (let y = 0; y < H; y++) {
    for (let i = 0; i < W * 3; i++) out[y * W * 3 + i] = Math.round(Math.min(1, Math.max(0, blended[((y + m) * PW + m) * 3 + i]!)) * 255)
  }
  return out
}

/**
 * Per-class probability maps of a frame. ARCD's discriminative net reads
 * `recon` (the frame's 8-bit reconstruction from reconstructFrame) when
 * given, else the reconstruction is made here first.
 */
export async function predictFrameTiled(setup: TileSetup, frame: FrameForInference, recon?: Uint8Array): Promise<TiledPrediction> {
  const { arch, nets, classes } = setup
  const disc = nets.disc
  if (!disc) throw new Error('this model has no discriminative network (was stage 2 trained?)')
  if (arch === 'arcd' && !nets.recon && !recon) throw new Error('this ARCD model has no reconstruction network')
  const K = classes.length
  const { width: W, height: H, rgb } = frame
  if (recon && recon.length !== W * H * 3) throw new Error(`a ${W}x${H} frame needs a reconstruction of ${W * H * 3} values, got ${recon.length}`)
  const r8 = arch === 'arcd' ? (recon ?? (await reconstructFrame(setup, frame))) : null
  const probs = await blendTiles(setup, W, H, K, (batch, tw, th) =>
    discTiles(disc, arch, tileBatch(rgb, W, H, 3, batch, tw, th), r8 ? tileBatch(r8, W, H, 3, batch, tw, th) : null, K, setup.flips ?? false)
  )
  const classMax = new Array<number>(K).fill(0)
  for (let o = 0; o < W * H; o++) for (let c = 0; c < K; c++) if (probs[o * K + c]! > classMax[c]!) classMax[c] = probs[o * K + c]!
  const score = imageScore(probs, W, H, classes)
  const reconF = r8 ? Float32Array.from(r8, (v) => v / 255) : null
  const reconError = reconF ? await frameReconError(rgb, reconF, W, H) : null
  return { width: W, height: H, probs, recon: reconF, score, classMax, reconError }
}

/** L2 and SSIM of a whole-frame reconstruction against the frame. */
export async function frameReconError(rgb: Uint8Array, recon: Float32Array, W: number, H: number): Promise<{ l2: number; ssim: number }> {
  const img = new Float32Array(rgb.length)
  for (let i = 0; i < rgb.length; i++) img[i] = rgb[i]! / 255
  const a = tf.tensor4d(img, [1, H, W, 3])
  const b = tf.tensor4d(recon, [1, H, W, 3])
  try {
    const l2 = tf.tidy(() => tf.mean(tf.squaredDifference(a, b)))
    const small = Math.min(W, H) < 11
    const s = small ? null : ssim(a, b)
    const [l2v, sv] = await Promise.all([l2.data(), s ? s.data() : Promise.resolve([1])])
    tf.dispose(s ? [l2, s] : [l2])
    return { l2: l2v[0]!, ssim: sv[0]! }
  } finally {
    tf.dispose([a, b])
  }
}
