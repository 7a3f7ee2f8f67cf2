/**
 * The reconstruction a stage-2 crop is trained with. Inference reconstructs
 * the whole frame from large tiles inside it, blended, so almost no pixel
 * the discriminative net reads lies near a tile's edge. A 64 px crop
 * reconstructed on its own is all edge: its outer 4 px differed from the
 * frame by 7.8 grey levels against 1.8 for the whole-frame reconstruction
 * at the same pixels, and ARCD trained on such crops found half of what it
 * found with no reconstruction at all (docs/experiments.md, sixteenth
 * measurement). So each crop is reconstructed inside a context window at
 * least CONTEXT_MARGIN px larger on every side, unturned, as inference sees
 * the frame, and cut out with the crop's own flip or turn, exactly as the
 * crop's pixels are. Past the frame's edges the window reads the frame's
 * mirror image, as inference reconstructs the frame mirror-extended
 * (src/ml/infer/tiles.ts, reconstructFrame).
 */
import * as tf from '@tensorflow/tfjs'
import type { ModelConfig } from '../../shared/arcd/config'
import { extractCrop, type CropWindow } from '../data/crops'
import { extractMirrored } from '../data/mirror'
import { stack } from './batches'

/** Pixels of context on each side: 4-7 px from a crop's edge its own reconstruction already matches the frame's (1.63 against 1.61 grey levels). */
export const CONTEXT_MARGIN = 8

/**
 * Side of the window a crop of `size` is reconstructed in: the crop plus the
 * margin, rounded up to the reconstruction net's pooling multiple. A net
 * with MFLM works on a fixed token grid and only takes its crop size (its
 * inference tiles are that size too).
 */
export function contextSide(model: Pick<ModelConfig, 'size' | 'reconDepth' | 'mflm'>): number {
  if (model.mflm) return model.size
  const multiple = 2 ** model.reconDepth
  return Math.ceil((model.size + 2 * CONTEXT_MARGIN) / multiple) * multiple
}

/**
 * Top-left corner of the context window of `side` around a crop at
 * (x0, y0): centred on the crop, wherever it lies; past the frame's edges
 * the window is read mirrored.
 */
export function contextWindow(win: Pick<CropWindow, 'x0' | 'y0' | 'size'>, side: number): { x0: number; y0: number } {
  const before = Math.floor((side - win.size) / 2)
  return { x0: win.x0 - before, y0: win.y0 - before }
}

export interface CropSource {
  rgb: Uint8Array
  width: number
  height: number
  win: CropWindow
}

/**
 * [n, size, size, 3] reconstructions of the crops, each cut from its
 * context window's reconstruction with the crop's transform. `recon` runs
 * in inference mode; nothing here is on a gradient tape.
 */
export function cropReconstructions(recon: tf.LayersModel, crops: CropSource[], size: number, side: number): tf.Tensor4D {
  const windows = crops.map((c) => contextWindow(c.win, side))
  const contexts = crops.map((c, i) => extractMirrored(c.rgb, c.width, c.height, 3, windows[i]!.x0, windows[i]!.y0, side))
  const data = reconstructWindows(recon, contexts, side)
  const per = side * side * 3
  const cuts = crops.map((c, i) => {
    const w = windows[i]!
    const cut = extractCrop(data.subarray(i * per, (i + 1) * per), side, side, 3, { x0: c.win.x0 - w.x0, y0: c.win.y0 - w.y0, size, t: c.win.t }, false)
    blackOutsideFrame(cut, c)
    return cut
  })
  return stack(cuts, size, 3)
}

/** The reconstructions of `side` x `side` x 3 windows, one after another in one array (inference mode). */
export function reconstructWindows(recon: tf.LayersModel, windows: Float32Array[], side: number): Float32Array {
  const out = tf.tidy(() => recon.apply(stack(windows, side, 3), { training: false }) as tf.Tensor4D)
  const data = out.dataSync() as Float32Array
  out.dispose()
  return data
}

/**
 * A crop larger than its frame reads black past the frame (extractCrop), as
 * inference's tiles do in the image and the reconstruction alike; its
 * reconstruction is black there too, not the mirror image's.
 */
function blackOutsideFrame(cut: Float32Array, c: CropSource): void {
  const { x0, y0, size } = c.win
  if (x0 >= 0 && y0 >= 0 && x0 + size <= c.width && y0 + size <= c.height) return
  const inside = extractCrop(new Uint8Array(c.width * c.height * 3).fill(255), c.width, c.height, 3, c.win)
  for (let i = 0; i < cut.length; i++) if (!inside[i]) cut[i] = 0
}

/**
 * reconDropout: the reconstruction of every crop whose `keep` is 0 becomes
 * the crop itself, a reconstruction that took nothing out (zero residual).
 */
export function dropReconstructions(img: tf.Tensor4D, recon: tf.Tensor4D, keep: readonly number[]): tf.Tensor4D {
  if (keep.length !== img.shape[0]) throw new Error(`dropReconstructions: ${keep.length} flags for ${img.shape[0]} crops`)
  if (keep.every((k) => k === 1)) return recon
  return tf.tidy(() => {
    const m = tf.tensor4d(keep as number[], [keep.length, 1, 1, 1])
    return tf.add(tf.mul(recon, m), tf.mul(img, tf.sub(1, m)))
  })
}
