/**
 * Starts an ARCD discriminative net's encoder from the reconstruction net's.
 * Stage 1 learns from every normal frame (hundreds, against the few
 * labelled ones stage 2 sees), and its encoder has learnt what the line's
 * texture looks like; the plain U-Net baseline has no such start. The two
 * encoders are built by the same code, so their layers share names after
 * the model's prefix and, at equal base width and depth, their shapes. The
 * first convolution reads [image, residual] in the discriminative net and
 * the image alone in the reconstruction net: its image half is copied, its
 * residual half keeps its fresh weights.
 */
import * as tf from '@tensorflow/tfjs'

const ENCODER = /_(enc\d+_.+)$/

function encoderKey(model: tf.LayersModel, originalName: string): string | null {
  if (!originalName.startsWith(`${model.name}_`)) return null
  return ENCODER.exec(originalName)?.[1] ?? null
}

export interface EncoderTransfer {
  /** Weights copied whole. */
  copied: number
  /** Weights whose leading input channels were copied (the first convolution). */
  partial: number
  /** Encoder weights of the discriminative net left as they were (no counterpart of a fitting shape). */
  kept: number
}

/** The discriminative net's first-convolution kernel [kh, kw, 2C, F] from the reconstruction's [kh, kw, C, F]: image half copied. */
function imageHalf(fresh: tf.Tensor, source: tf.Tensor): tf.Tensor | null {
  if (fresh.rank !== 4 || source.rank !== 4) return null
  const [kh, kw, cin, f] = fresh.shape
  const [sh, sw, scin, sf] = source.shape
  if (kh !== sh || kw !== sw || f !== sf || scin! >= cin!) return null
  return tf.tidy(() => tf.concat([source, tf.slice(fresh, [0, 0, scin!, 0], [kh!, kw!, cin! - scin!, f!])], 2))
}

export function seedEncoderFromRecon(disc: tf.LayersModel, recon: tf.LayersModel): EncoderTransfer {
  const sources = new Map<string, tf.LayerVariable>()
  for (const w of recon.weights) {
    const key = encoderKey(recon, w.originalName)
    if (key) sources.set(key, w)
  }
  const result: EncoderTransfer = { copied: 0, partial: 0, kept: 0 }
  const made: tf.Tensor[] = []
  const values = disc.weights.map((w) => {
    const current = w.read()
    const key = encoderKey(disc, w.originalName)
    if (!key) return current
    const src = sources.get(key)?.read()
    if (src && src.shape.length === current.shape.length && src.shape.every((d, i) => d === current.shape[i])) {
      result.copied++
      return src
    }
    const half = src ? imageHalf(current, src) : null
    if (half) {
      made.push(half)
      result.partial++
      return half
    }
    result.kept++
    return current
  })
  disc.setWeights(values)
  tf.dispose(made)
  return result
}
