import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { imageScores } from './predictor'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

/**
 * The letterbox path's tensor image score follows the post-processor's rule:
 * a 3 px box mean that divides by the pixels inside the image, its maximum
 * over the defect channels only. Expected values are worked by hand.
 */
describe('imageScores (tensor form of the image score)', () => {
  function maps(hot: [number, number, number][]): tf.Tensor4D {
    const data = new Float32Array(6 * 6 * 2)
    for (const [y, x, c] of hot) data[(y * 6 + x) * 2 + c] = 1
    return tf.tensor4d(data, [1, 6, 6, 2])
  }

  it('scores a lone interior pixel 1/9 and a lone corner pixel 1/4', () => {
    const interior = maps([[2, 3, 0]])
    const corner = maps([[0, 0, 0]])
    const [a, b] = [imageScores(interior, [0]), imageScores(corner, [0])]
    expect(a.dataSync()[0]).toBeCloseTo(1 / 9, 6)
    expect(b.dataSync()[0]).toBeCloseTo(1 / 4, 6)
    tf.dispose([interior, corner, a, b])
  })

  it('reads only the defect channels it is given', () => {
    const blob: [number, number, number][] = []
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) blob.push([y, x, 1])
    const m = maps(blob)
    const [onlyFirst, both, none] = [imageScores(m, [0]), imageScores(m, [0, 1]), imageScores(m, [])]
    expect(onlyFirst.dataSync()[0]).toBe(0)
    expect(both.dataSync()[0]).toBeCloseTo(1, 6)
    expect(none.dataSync()[0]).toBe(0)
    tf.dispose([m, onlyFirst, both, none])
  })
})
