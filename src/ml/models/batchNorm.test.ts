/**
 * ChannelBatchNorm against two oracles: TF.js's stock batchNormalization
 * layer (outputs, gradients through its generic moments()/FusedBatchNorm
 * gradients, moving statistics) and a float64 reference written from the
 * batch-norm formulas (Ioffe and Szegedy 2015, algorithm 1 and its backward).
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ChannelBatchNorm } from './batchNorm'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const SHAPE: [number, number, number, number] = [3, 5, 4, 6]
const EPS = 1e-5

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-12
  let err = 0
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!))
    err = Math.max(err, Math.abs(a[i]! - b[i]!))
  }
  return err / scale
}

/** Output and gradients of sum(y * w) w.r.t. x, gamma and beta, in float64. */
function reference(x: Float32Array, gamma: number[], beta: number[], w: Float32Array, channels: number): { y: number[]; dx: number[]; dgamma: number[]; dbeta: number[]; mean: number[]; variance: number[] } {
  const n = x.length / channels
  const mean = new Array<number>(channels).fill(0)
  const variance = new Array<number>(channels).fill(0)
  for (let i = 0; i < x.length; i++) mean[i % channels]! += x[i]! / n
  for (let i = 0; i < x.length; i++) variance[i % channels]! += (x[i]! - mean[i % channels]!) ** 2 / n
  const inv = variance.map((v) => 1 / Math.sqrt(v + EPS))
  const xhat = Array.from(x, (v, i) => (v - mean[i % channels]!) * inv[i % channels]!)
  const y = xhat.map((v, i) => gamma[i % channels]! * v + beta[i % channels]!)
  const dbeta = new Array<number>(channels).fill(0)
  const dgamma = new Array<number>(channels).fill(0)
  for (let i = 0; i < x.length; i++) {
    dbeta[i % channels]! += w[i]!
    dgamma[i % channels]! += w[i]! * xhat[i]!
  }
  const dx = xhat.map((v, i) => {
    const c = i % channels
    return (gamma[c]! * inv[c]! * (n * w[i]! - dbeta[c]! - v * dgamma[c]!)) / n
  })
  return { y, dx, dgamma, dbeta, mean, variance }
}

describe('ChannelBatchNorm', () => {
  it('normalises and differentiates like the formulas and like the stock layer, in training mode', () => {
    const x = tf.add(tf.mul(tf.randomNormal(SHAPE, 0, 1, 'float32', 1), 3), 2) as tf.Tensor4D
    const w = tf.randomNormal(SHAPE, 0, 1, 'float32', 2) as tf.Tensor4D
    const gammaV = [0.5, 1, 1.5, -2, 0.1, 3]
    const betaV = [0, 1, -1, 0.5, 2, -3]
    const ours = new ChannelBatchNorm({ momentum: 0.9, epsilon: EPS })
    const stock = tf.layers.batchNormalization({ momentum: 0.9, epsilon: EPS })
    for (const layer of [ours, stock]) {
      layer.build(SHAPE)
      layer.setWeights([tf.tensor1d(gammaV), tf.tensor1d(betaV), tf.zeros([6]), tf.ones([6])])
    }
    const run = (layer: tf.layers.Layer): { y: Float32Array; dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array } => {
      const [gamma, beta] = layer.trainableWeights.map((v) => v.read() as tf.Variable)
      let y: Float32Array = new Float32Array()
      const dx = tf.grad((xx: tf.Tensor) => {
        const out = layer.apply(xx, { training: true }) as tf.Tensor
        y = out.dataSync() as Float32Array
        return tf.sum(tf.mul(out, w))
      })(x)
      // The layer reads its own variables: their gradients come through variableGrads.
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)), [gamma!, beta!])
      return { y, dx: dx.dataSync() as Float32Array, dgamma: grads[gamma!.name]!.dataSync() as Float32Array, dbeta: grads[beta!.name]!.dataSync() as Float32Array }
    }
    const a = run(ours)
    const b = run(stock)
    const ref = reference(x.dataSync() as Float32Array, gammaV, betaV, w.dataSync() as Float32Array, 6)
    for (const [got, want] of [
      [a.y, ref.y],
      [a.dx, ref.dx],
      [a.dgamma, ref.dgamma],
      [a.dbeta, ref.dbeta],
      [b.y, ref.y],
      [b.dx, ref.dx],
      [b.dgamma, ref.dgamma],
      [b.dbeta, ref.dbeta]
    ] as [Float32Array, number[]][]) {
      expect(maxRelErr(got, want)).toBeLessThan(1e-4)
    }
    // Two training calls each (one for dx, one for dgamma and dbeta) leave the same moving statistics.
    const [, , mmA, mvA] = ours.getWeights()
    const [, , mmB, mvB] = stock.getWeights()
    expect(maxRelErr(mmA!.dataSync(), Array.from(mmB!.dataSync()))).toBeLessThan(1e-5)
    expect(maxRelErr(mvA!.dataSync(), Array.from(mvB!.dataSync()))).toBeLessThan(1e-5)
    // Two updates with momentum 0.9 from (0, 1): m = 0.19 * batch mean, v = 0.81 + 0.19 * batch variance.
    expect(maxRelErr(mmA!.dataSync(), ref.mean.map((m) => 0.19 * m))).toBeLessThan(1e-4)
    expect(maxRelErr(mvA!.dataSync(), ref.variance.map((v) => 0.81 + 0.19 * v))).toBeLessThan(1e-4)
  })

  it('uses the moving statistics outside training, like the stock layer, and round-trips through tf.io', async () => {
    const input = tf.input({ shape: [5, 4, 6] })
    const build = (useOurs: boolean): tf.LayersModel => {
      const layer = useOurs ? new ChannelBatchNorm({ momentum: 0.9, epsilon: EPS, name: 'bn' }) : tf.layers.batchNormalization({ momentum: 0.9, epsilon: EPS, name: 'bn' })
      return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor })
    }
    const weights = [tf.randomUniform([6], 0.5, 2, 'float32', 3), tf.randomNormal([6], 0, 1, 'float32', 4), tf.randomNormal([6], 0, 1, 'float32', 5), tf.randomUniform([6], 0.5, 2, 'float32', 6)]
    const ours = build(true)
    const stock = build(false)
    ours.setWeights(weights)
    stock.setWeights(weights)
    const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 7)
    const a = (ours.predict(x) as tf.Tensor).dataSync()
    expect(maxRelErr(a, Array.from((stock.predict(x) as tf.Tensor).dataSync()))).toBeLessThan(1e-5)
    let saved: tf.io.ModelArtifacts | null = null
    await ours.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
      })
    )
    expect(JSON.stringify(saved!.modelTopology)).toContain('ChannelBatchNorm')
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!))
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(a))
    expect(loaded.getWeights().map((t) => t.shape)).toEqual(stock.getWeights().map((t) => t.shape))
  })
})
