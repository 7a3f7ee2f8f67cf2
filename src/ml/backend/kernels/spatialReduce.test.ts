import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../select'
import { kernelParity, seededRandom, startWasmWithCpuReference } from '../parity'

const TOL = 1e-4

beforeAll(() => startWasmWithCpuReference(initBackend))

describe('Sum and Mean on wasm match cpu', () => {
  it.each([
    [[2, 5, 4, 3], [0, 1, 2], false],
    [[2, 5, 4, 3], [2, 0, 1], true],
    [[3, 4, 5, 2], [1, 2], false],
    [[3, 4, 5, 2], [1, 2], true],
    [[2, 5, 4, 3], [0], false],
    [[2, 5, 4, 3], [3], false],
    [[2, 5, 4, 3], [0, 1, 2, 3], false],
    [[2, 1, 1, 3], [0, 1, 2], false],
    [[6, 5], [0], true],
    [[1, 257, 256, 2], [1, 2], false]
  ] as [number[], number[], boolean][])('over [%s] axes %s keepDims %s', async (shape, axis, keepDims) => {
    for (const kernel of [tf.Sum, tf.Mean]) {
      const r = await kernelParity(kernel, { x: { shape } }, { axis, keepDims })
      expect(r.relErr).toBeLessThan(TOL)
    }
  })
  it('int32 sums stay exact', async () => {
    const r = await kernelParity(tf.Sum, { x: { shape: [2, 3, 4, 5], dtype: 'int32', min: -50, max: 50 } }, { axis: [0, 1, 2], keepDims: false })
    expect(r.relErr).toBe(0)
  })
  it('a bias gradient\'s sum over 64k pixels stays within float32 rounding of a float64 sum', async () => {
    await tf.setBackend('wasm')
    const shape = [8, 64, 128, 4]
    const rnd = seededRandom(3)
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.3 + (rnd() - 0.5) * 2)
    const want = new Float64Array(4)
    let magnitude = 0
    values.forEach((v, i) => {
      want[i % 4] = want[i % 4]! + v
      magnitude += Math.abs(v)
    })
    const t = tf.tensor4d(values, shape as [number, number, number, number])
    const sum = tf.sum(t, [0, 1, 2])
    const mean = tf.mean(t, [0, 1, 2])
    const got = await sum.data()
    const gotMean = await mean.data()
    const n = values.length / 4
    for (let c = 0; c < 4; c++) {
      expect(Math.abs(got[c]! - want[c]!)).toBeLessThan(1e-6 * magnitude)
      expect(Math.abs(gotMean[c]! - want[c]! / n)).toBeLessThan((1e-6 * magnitude) / n)
    }
    tf.dispose([t, sum, mean])
  })
})
