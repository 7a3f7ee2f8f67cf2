import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, type ModelConfig } from '../../shared/arcd/config'
import { buildDiscriminative } from '../models/networks'
import { addMirrored, discTiles, type TileBatch } from './tileFlips'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

function randomBatch(batch: number, height: number, width: number, channels: number, seed: number): TileBatch {
  const data = new Float32Array(batch * height * width * channels)
  let s = seed
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    data[i] = (s >>> 8) / 2 ** 24
  }
  return { data, batch, height, width }
}

// The oracle mirrors with tf.reverse, which inference no longer uses.
const AXES: Record<string, number[]> = { 'false,false': [], 'true,false': [2], 'false,true': [1], 'true,true': [1, 2] }

describe('mirrored tiles', () => {
  it('addMirrored mirrors every tile of a batch within itself, as tf.reverse does along width, height or both, and adds it scaled', async () => {
    const t = randomBatch(2, 5, 7, 3, 1)
    for (const [fx, fy] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const want = tf.tidy(() => tf.reverse(tf.tensor4d(t.data, [2, 5, 7, 3]), AXES[`${fx},${fy}`]!).dataSync())
      const into = new Float32Array(t.data.length).fill(1)
      addMirrored(into, t.data, t, 3, fx, fy, 0.5)
      for (let i = 0; i < into.length; i++) expect(into[i]).toBeCloseTo(1 + 0.5 * want[i]!, 6)
    }
  })

  it('ARCD with flips: the mean of the net on the four mirror images of [tile, reconstruction], each mirrored back, and no tensor left', async () => {
    const cfg: ModelConfig = { ...CPU_PRESET, size: 16, discBase: 2, discDepth: 2 }
    const K = 2
    const disc = buildDiscriminative(cfg, K, { seed: 6 })
    const image = randomBatch(2, 16, 32, 3, 2)
    const recon = randomBatch(2, 16, 32, 3, 3)
    const input = tf.concat([tf.tensor4d(image.data, [2, 16, 32, 3]), tf.tensor4d(recon.data, [2, 16, 32, 3])], 3)
    const maps = Object.values(AXES).map((axes) =>
      tf.tidy(() => {
        if (axes.length === 0) return disc.apply(input, { training: false }) as tf.Tensor4D
        return tf.reverse(disc.apply(tf.reverse(input, axes), { training: false }) as tf.Tensor4D, axes)
      })
    )
    const want = tf.tidy(() => tf.div(tf.addN(maps), 4).dataSync())
    const plainWant = maps[0]!.dataSync()
    tf.dispose([input, ...maps])
    const before = tf.memory().numTensors
    const got = await discTiles(disc, 'arcd', image, recon, K, true)
    const plain = await discTiles(disc, 'arcd', image, recon, K, false)
    expect(tf.memory().numTensors).toBe(before)
    expect(got.length).toBe(2 * 16 * 32 * K)
    let maxDiff = 0
    let plainDiff = 0
    let flipGap = 0
    for (let i = 0; i < got.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!))
      plainDiff = Math.max(plainDiff, Math.abs(plain[i]! - plainWant[i]!))
      flipGap = Math.max(flipGap, Math.abs(got[i]! - plainWant[i]!))
    }
    expect(maxDiff).toBeLessThan(1e-5)
    expect(plainDiff).toBeLessThan(1e-6)
    // The net is not mirror-symmetric, so the mean check could fail.
    expect(flipGap).toBeGreaterThan(1e-3)
    disc.dispose()
  })
})
