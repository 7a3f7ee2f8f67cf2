/**
 * The networks' gradients on the wasm backend (with the project's training
 * kernels) against the cpu backend: a wrong gradient kernel would otherwise
 * train silently wrong.
 */
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import type { ModelConfig } from '../../shared/arcd/config'
import { initBackend } from '../backend'
import { focalLoss } from '../losses/focal'
import { reconstructionLoss } from '../losses/reconstruction'
import { buildDiscriminative, buildReconstruction } from './index'

const TINY: ModelConfig = { size: 32, channels: 3, reconBase: 4, reconDepth: 3, discBase: 4, discDepth: 3, mflm: true, calm: true }

/** Loss and every trainable weight's gradient, for both networks, on the active backend. */
function gradients(): Float32Array[] {
  const recon = buildReconstruction(TINY, { seed: 3 })
  const disc = buildDiscriminative(TINY, 2, { seed: 4 })
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D
  const target = tf.cast(tf.greater(tf.randomUniform([2, 32, 32, 2], 0, 1, 'float32', 6), 0.8), 'float32') as tf.Tensor4D
  const out: Float32Array[] = []
  const runs: [tf.LayersModel, () => tf.Scalar][] = [
    [recon, () => reconstructionLoss(x, recon.apply(x, { training: true }) as tf.Tensor4D)],
    [disc, () => focalLoss(target, disc.apply(tf.concat([x, x], -1), { training: true }) as tf.Tensor4D)]
  ]
  for (const [model, loss] of runs) {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    const { value, grads } = tf.variableGrads(loss, vars)
    out.push(value.dataSync() as Float32Array)
    for (const v of vars) out.push(grads[v.name]!.dataSync() as Float32Array)
    tf.dispose([value, ...Object.values(grads)])
  }
  tf.dispose([x, target])
  recon.dispose()
  disc.dispose()
  return out
}

describe('networks on wasm', () => {
  it('give the same loss and gradients as on cpu (MFLM and CALM included, batch 2)', async () => {
    await tf.setBackend('cpu')
    const reference = gradients()
    const report = await initBackend({ prefer: 'wasm', env: {} })
    expect(report.name).toBe('wasm')
    const wasm = gradients()
    expect(wasm.length).toBe(reference.length)
    let worst = 0
    reference.forEach((ref, k) => {
      let scale = 1e-12
      let err = 0
      ref.forEach((v, i) => {
        scale = Math.max(scale, Math.abs(v))
        err = Math.max(err, Math.abs(v - wasm[k]![i]!))
      })
      worst = Math.max(worst, err / scale)
    })
    expect(worst).toBeLessThan(2e-3)
  })
})
