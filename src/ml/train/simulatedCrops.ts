/**
 * ARCD stage 2's first steps on simulated anomalies (discPretrainShare).
 * The thesis lets the discriminative net train on stage 1's simulated
 * anomalies too, since normal frames need no labels (section 3.3.2, as
 * DRAEM trains it); with few labelled defects that is the only way the
 * unlabelled normal frames reach the discriminative net. A simulated
 * anomaly is no particular class, so every defect class learns it, and
 * the labelled crops that follow tell the classes apart; region classes
 * (the lathe) are left out of the loss, as the thesis says.
 */
import * as tf from '@tensorflow/tfjs'
import type { Rng } from '../data/rng'
import { IDENTITY, extractCrop, type CropWindow } from '../data/crops'
import { simulateAnomaly } from '../data/simulate'
import { discInput } from '../infer/predictor'
import { stack } from './batches'
import { reconstructWindows } from './cropRecon'
import { randomWindow, type TileFrame } from './tileData'

export interface SimulatedBatch {
  /** [n, size, size, 6]: the crops with their simulated anomalies and their reconstructions. */
  input: tf.Tensor4D
  /** [n, size, size, defect classes]: the simulated mask in every defect channel. */
  target: tf.Tensor4D
}

export interface SimulatedBatchOptions {
  size: number
  /** Side of the window the reconstruction net sees around each crop (contextSide). */
  side: number
  defectClasses: number
  batchSize: number
  /** Chance that a crop gets an anomaly; the others teach "nothing here" on normal texture. */
  probability: number
  rotate90: boolean
}

/**
 * A batch of crops from normal frames, each inside its reconstruction
 * window: the anomaly is simulated on the window (inside the crop only),
 * the window reconstructed whole, and the crop cut from the middle of both,
 * so the crop's reconstruction has context on every side as in stage 2's
 * labelled crops.
 */
export function simulatedBatch(recon: tf.LayersModel, normals: readonly TileFrame[], rng: Rng, o: SimulatedBatchOptions): SimulatedBatch {
  if (normals.length === 0) throw new Error('simulatedBatch: no normal frames')
  const off = Math.floor((o.side - o.size) / 2)
  const region = { x0: off, y0: off, x1: off + o.size, y1: off + o.size }
  const windows: Float32Array[] = []
  const masks: Float32Array[] = []
  for (let b = 0; b < o.batchSize; b++) {
    const f = normals[rng.int(0, normals.length - 1)]!.frame
    const clean = extractCrop(f.rgb, f.width, f.height, 3, randomWindow(rng, f, o.side, o.rotate90))
    const sim = simulateAnomaly(clean, o.side, rng, { probability: o.probability, region })
    windows.push(sim.image)
    masks.push(sim.mask)
  }
  const recons = reconstructWindows(recon, windows, o.side)
  const per = o.side * o.side * 3
  const centre: CropWindow = { x0: off, y0: off, size: o.size, t: IDENTITY }
  const imgs = windows.map((w) => extractCrop(w, o.side, o.side, 3, centre, false))
  const rec = windows.map((_, i) => extractCrop(recons.subarray(i * per, (i + 1) * per), o.side, o.side, 3, centre, false))
  const tgts = masks.map((m) => {
    const cut = extractCrop(m, o.side, o.side, 1, centre, false)
    const out = new Float32Array(o.size * o.size * o.defectClasses)
    for (let p = 0; p < cut.length; p++) if (cut[p]! > 0.5) out.fill(1, p * o.defectClasses, (p + 1) * o.defectClasses)
    return out
  })
  const input = tf.tidy(() => discInput('arcd', stack(imgs, o.size, 3), stack(rec, o.size, 3)))
  return { input, target: stack(tgts, o.size, o.defectClasses) }
}
