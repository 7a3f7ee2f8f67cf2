import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../select'
import { gradParity, kernelParity, startWasmWithCpuReference } from '../parity'


beforeAll(() => startWasmWithCpuReference(initBackend))

describe('equal-part concat and split on wasm (one transpose) match cpu', () => {
  it.each([
    [[[2, 5, 4, 8], [2, 5, 4, 8]], 3],
    [[[3, 4, 6], [3, 4, 6], [3, 4, 6]], 2],
    [[[2, 3, 4], [2, 3, 4]], 1],
    [[[4, 1], [4, 1]], 1],
    [[[2, 3, 47], [2, 3, 47]], 2]
  ] as [number[][], number][])('Concat of %j on axis %s, and its gradient\'s split', async (shapes, axis) => {
    const r = await gradParity((...xs) => tf.concat(xs, axis), shapes.map((shape) => ({ shape })))
    expect(r.perOutput.length).toBe(shapes.length + 1)
    expect(r.relErr).toBe(0)
  })
  it.each([
    [[2, 5, 4, 16], 2, 3],
    [[4, 6, 6], 3, 2],
    [[3, 8, 2], 4, 1]
  ] as [number[], number, number][])('SplitV of [%s] into %s equal parts on axis %s', async (shape, parts, axis) => {
    const r = await kernelParity(tf.SplitV, { x: { shape } }, { numOrSizeSplits: parts, axis })
    expect(r.perOutput.length).toBe(parts)
    expect(r.relErr).toBe(0)
  })
  it('concatenates the values in order (against a plain-JS interleave)', async () => {
    await tf.setBackend('wasm')
    const a = Array.from({ length: 24 }, (_, i) => i)
    const b = Array.from({ length: 24 }, (_, i) => 100 + i)
    const t = tf.tidy(() => tf.concat([tf.tensor4d(a, [1, 2, 3, 4]), tf.tensor4d(b, [1, 2, 3, 4])], 3))
    const want: number[] = []
    for (let p = 0; p < 6; p++) want.push(...a.slice(p * 4, p * 4 + 4), ...b.slice(p * 4, p * 4 + 4))
    expect(Array.from(await t.data())).toEqual(want)
    t.dispose()
  })
})
