import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ModelConfig } from '../../shared/arcd/config'
import { buildDiscriminative, buildReconstruction, seedEncoderFromRecon } from './index'

const CFG: ModelConfig = { size: 16, channels: 3, reconBase: 4, reconDepth: 2, discBase: 4, discDepth: 2, mflm: false, calm: false, reconSkips: true }

beforeAll(async () => {
  await tf.setBackend('cpu')
})

/** A reconstruction net with every weight random (variances positive), so nothing matches another net by chance. */
function scrambledRecon(cfg: ModelConfig): tf.LayersModel {
  const recon = buildReconstruction(cfg, { seed: 3 })
  recon.setWeights(recon.weights.map((w, i) => (/moving_variance/.test(w.originalName) ? tf.randomUniform(w.read().shape, 0.5, 1.5, 'float32', i) : tf.randomNormal(w.read().shape, 0, 0.3, 'float32', i))))
  return recon
}

/** The output of a model's deepest encoder level ("<name>_enc<depth>_b_relu"). */
function bottleneck(model: tf.LayersModel, depth: number): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer(`${model.name}_enc${depth}_b_relu`).output as tf.SymbolicTensor })
}

function values(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]))
}

describe('seedEncoderFromRecon', () => {
  for (const reconResidual of [true, false]) {
    it(`makes the discriminative encoder compute the reconstruction encoder's features of the image (${reconResidual ? 'residual' : '[image, reconstruction]'} reading)`, () => {
      const cfg = { ...CFG, reconResidual }
      const recon = scrambledRecon(cfg)
      const disc = buildDiscriminative(cfg, 2, { seed: 4 })
      const before = values(disc)
      const image = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 9)
      // A zero second half: the residual of a perfect reconstruction, or no reconstruction at all.
      const second = reconResidual ? image : tf.zeros([2, 16, 16, 3])
      const input = tf.concat([image, second], 3)
      const want = bottleneck(recon, 2).predict(image) as tf.Tensor
      const fresh = bottleneck(disc, 2).predict(input) as tf.Tensor
      expect(tf.max(tf.abs(tf.sub(fresh, want))).dataSync()[0]).toBeGreaterThan(0.1)

      const t = seedEncoderFromRecon(disc, recon)
      // Levels 0-2, two conv-BN each (a kernel; gamma, beta, moving mean and variance): 30 weights, the first kernel in part.
      expect(t).toEqual({ copied: 29, partial: 1, kept: 0 })
      const got = bottleneck(disc, 2).predict(input) as tf.Tensor
      expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-4)

      const after = values(disc)
      for (const [name, v] of after) {
        if (/_enc\d/.test(name)) continue
        expect(Array.from(v), name).toEqual(Array.from(before.get(name)!))
      }
      // The first kernel's second half (input channels 3-5 of [3, 3, 6, 4]) keeps its fresh weights.
      const k0 = tf.tensor(after.get('discriminative_enc0_a_conv/kernel')!, [3, 3, 6, 4])
      const k0Before = tf.tensor(before.get('discriminative_enc0_a_conv/kernel')!, [3, 3, 6, 4])
      expect(Array.from(tf.slice(k0, [0, 0, 3, 0], [3, 3, 3, 4]).dataSync())).toEqual(Array.from(tf.slice(k0Before, [0, 0, 3, 0], [3, 3, 3, 4]).dataSync()))
      tf.dispose([image, second, input, want, fresh, got, k0, k0Before])
    })
  }

  it('leaves an encoder of another width as it was', () => {
    const recon = scrambledRecon(CFG)
    const disc = buildDiscriminative({ ...CFG, discBase: 8 }, 2, { seed: 4 })
    const before = values(disc)
    expect(seedEncoderFromRecon(disc, recon)).toEqual({ copied: 0, partial: 0, kept: 30 })
    for (const [name, v] of values(disc)) expect(Array.from(v), name).toEqual(Array.from(before.get(name)!))
  })

  it('copies the levels both nets have when the discriminative net is deeper', () => {
    const recon = scrambledRecon(CFG)
    const disc = buildDiscriminative({ ...CFG, discDepth: 3 }, 2, { seed: 4 })
    // Levels 0-2 as above; level 3 (8 x 4 = 32 wide at 2 px) has no counterpart.
    expect(seedEncoderFromRecon(disc, recon)).toEqual({ copied: 29, partial: 1, kept: 10 })
  })
})
