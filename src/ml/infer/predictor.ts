/**
 * Forward passes shared by validation, evaluation and inference: the
 * reconstruction, the per-class probability maps and the image score.
 *
 * Image score: the post-processor's rule (src/shared/arcd/postprocess.ts),
 * a box mean of IMAGE_SCORE_BOX px over the defect-class maps and its
 * largest value; tf's 'same' average pool divides by the pixels inside the
 * image at its edges, as imageScore does. Region classes never count.
 */
import * as tf from '@tensorflow/tfjs'
import type { Arch, ClassSpec } from '../../shared/arcd/protocol'
import { IMAGE_SCORE_BOX } from '../../shared/arcd/postprocess'
import { ssim } from '../losses/ssim'
import type { Nets } from '../io/modelDir'
import { stack } from '../train/batches'

/** The discriminative net's input: [image, reconstruction] for ARCD, the image alone for the U-Net. */
export function discInput(arch: Arch, image: tf.Tensor4D, recon: tf.Tensor4D | null): tf.Tensor4D {
  if (arch === 'unet') return image
  if (!recon) throw new Error('ARCD needs the reconstruction as input')
  return tf.concat([image, recon], 3)
}

/** [B] image scores from [B, S, S, K] probabilities. */
export function imageScores(probs: tf.Tensor4D, defectChannels: number[]): tf.Tensor1D {
  return tf.tidy(() => {
    if (defectChannels.length === 0) return tf.zeros([probs.shape[0]]) as tf.Tensor1D
    const picked = tf.gather(probs, defectChannels, 3) as tf.Tensor4D
    const smooth = tf.avgPool(picked, IMAGE_SCORE_BOX, 1, 'same')
    return tf.max(smooth, [1, 2, 3]) as tf.Tensor1D
  })
}

export interface Prediction {
  /** size*size*3, or null for the plain U-Net. */
  recon: Float32Array | null
  /** size*size*K, interleaved. */
  probs: Float32Array
  score: number
  /** Max probability per class. */
  classMax: number[]
  /** L2 and SSIM of the reconstruction against the input. */
  reconError: { l2: number; ssim: number } | null
}

export interface PredictorSetup {
  arch: Arch
  nets: Nets
  classes: ClassSpec[]
  size: number
}

/** Per-image L2 and SSIM of a reconstruction. */
export async function reconErrors(image: tf.Tensor4D, recon: tf.Tensor4D): Promise<{ l2: number; ssim: number }[]> {
  const n = image.shape[0]
  const l2 = tf.tidy(() => tf.mean(tf.squaredDifference(image, recon), [1, 2, 3]))
  const l2s = Array.from(await l2.data())
  l2.dispose()
  const out: { l2: number; ssim: number }[] = []
  for (let i = 0; i < n; i++) {
    const s = tf.tidy(() => {
      const a = tf.slice(image, [i, 0, 0, 0], [1, -1, -1, -1])
      const b = tf.slice(recon, [i, 0, 0, 0], [1, -1, -1, -1])
      return ssim(a, b)
    })
    const v = (await s.data())[0]!
    s.dispose()
    out.push({ l2: l2s[i]!, ssim: v })
  }
  return out
}

/**
 * Predicts a batch of letterboxed images. `recons` may carry cached
 * reconstructions (validation during training) to skip the frozen net.
 */
export async function predictBatch(
  setup: PredictorSetup,
  images: Float32Array[],
  recons: Float32Array[] | null = null
): Promise<Prediction[]> {
  const { arch, nets, classes, size } = setup
  if (!nets.disc) throw new Error('this model has no discriminative network (was stage 2 trained?)')
  const K = classes.length
  const defects = classes.flatMap((c, i) => (c.kind === 'defect' ? [i] : []))
  const x = stack(images, size, 3)
  let r: tf.Tensor4D | null = null
  try {
    if (arch === 'arcd') {
      if (recons) r = stack(recons, size, 3)
      else if (nets.recon) r = nets.recon.apply(x, { training: false }) as tf.Tensor4D
      else throw new Error('this ARCD model has no reconstruction network')
    }
    const probs = tf.tidy(() => nets.disc!.apply(discInput(arch, x, r), { training: false }) as tf.Tensor4D)
    const scores = imageScores(probs, defects)
    const maxes = tf.max(probs, [1, 2])
    const [probData, scoreData, maxData] = await Promise.all([probs.data(), scores.data(), maxes.data()])
    const reconData = r && !recons ? await r.data() : null
    const errors = r ? await reconErrors(x, r) : null
    tf.dispose([probs, scores, maxes])
    const per = size * size * K
    const perR = size * size * 3
    return images.map((_, i) => ({
      recon: recons ? recons[i]! : reconData ? (reconData as Float32Array).slice(i * perR, (i + 1) * perR) : null,
      probs: (probData as Float32Array).slice(i * per, (i + 1) * per),
      score: scoreData[i]!,
      classMax: Array.from((maxData as Float32Array).subarray(i * K, (i + 1) * K)),
      reconError: errors ? errors[i]! : null
    }))
  } finally {
    x.dispose()
    r?.dispose()
  }
}
