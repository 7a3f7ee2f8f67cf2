/**
 * Stage 2's simulated-anomaly batches on a flat grey frame, where the spec
 * is plain to check: every pixel outside the simulated mask keeps the
 * frame's grey exactly, every pixel inside it is changed, every defect
 * channel holds the same mask, and the reconstruction half of the input is
 * the reconstruction net applied (a 1x1 convolution, y = 0.5 x + 0.1, so
 * the expected value at each pixel follows from the image half alone).
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { createRng } from '../data/rng'
import type { TileFrame } from './tileData'
import { simulatedBatch } from './simulatedCrops'

const GREY = 100

beforeAll(async () => {
  await tf.setBackend('cpu')
})

function greyFrame(width: number, height: number): TileFrame {
  return {
    item: { path: 'grey.png', normal: true, split: 'train' } as TileFrame['item'],
    frame: { rgb: new Uint8Array(width * height * 3).fill(GREY), width, height } as TileFrame['frame'],
    targets: new Uint8Array(width * height * 2),
    centres: [new Uint32Array(0), new Uint32Array(0)]
  }
}

function halfPlusTenth(): tf.LayersModel {
  const input = tf.input({ shape: [null, null, 3] as unknown as number[] })
  const kernel = tf.tensor4d([0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5], [1, 1, 3, 3])
  const out = tf.layers.conv2d({ filters: 3, kernelSize: 1, weights: [kernel, tf.tensor1d([0.1, 0.1, 0.1])] }).apply(input) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: out })
}

const opts = { size: 16, side: 32, defectClasses: 2, batchSize: 6, rotate90: true }

describe('simulated-anomaly batches', () => {
  it('change exactly the masked pixels, give every defect channel the mask, and carry the net\'s reconstruction', () => {
    const b = simulatedBatch(halfPlusTenth(), [greyFrame(48, 40)], createRng(5), { ...opts, probability: 1 })
    expect(b.input.shape).toEqual([6, 16, 16, 6])
    expect(b.target.shape).toEqual([6, 16, 16, 2])
    const x = b.input.arraySync()
    const y = b.target.arraySync()
    const grey = GREY / 255
    for (let n = 0; n < 6; n++) {
      let masked = 0
      for (let v = 0; v < 16; v++) {
        for (let u = 0; u < 16; u++) {
          const px = x[n]![v]![u]!
          const [a, c] = y[n]![v]![u]!
          expect(c).toBe(a)
          const changed = [0, 1, 2].some((k) => Math.abs(px[k]! - grey) > 1e-6)
          if (a === 1) masked++
          else expect(changed).toBe(false)
          for (let k = 0; k < 3; k++) expect(px[3 + k]).toBeCloseTo(0.5 * px[k]! + 0.1, 5)
        }
      }
      // Probability 1: every crop holds an anomaly (it is simulated inside the crop's part of the window).
      expect(masked).toBeGreaterThan(0)
    }
    let changedInMask = 0
    let inMask = 0
    for (let n = 0; n < 6; n++)
      for (let v = 0; v < 16; v++)
        for (let u = 0; u < 16; u++)
          if (y[n]![v]![u]![0] === 1) {
            inMask++
            if ([0, 1, 2].some((k) => Math.abs(x[n]![v]![u]![k]! - grey) > 1e-6)) changedInMask++
          }
    // A texture blended at beta < 0.8 almost never lands on the frame's exact grey.
    expect(changedInMask / inMask).toBeGreaterThan(0.95)
    tf.dispose([b.input, b.target])
  })

  it('with probability 0 are the clean frame with empty targets', () => {
    const b = simulatedBatch(halfPlusTenth(), [greyFrame(20, 20)], createRng(9), { ...opts, probability: 0 })
    expect(b.target.max().dataSync()[0]).toBe(0)
    const img = b.input.slice([0, 0, 0, 0], [6, 16, 16, 3])
    expect(img.min().dataSync()[0]).toBeCloseTo(GREY / 255, 6)
    expect(img.max().dataSync()[0]).toBeCloseTo(GREY / 255, 6)
    tf.dispose([b.input, b.target, img])
  })

  it('refuses an empty list of normal frames', () => {
    expect(() => simulatedBatch(halfPlusTenth(), [], createRng(1), { ...opts, probability: 1 })).toThrow(/no normal frames/)
  })
})
