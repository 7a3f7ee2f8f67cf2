import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from './select'
import { relativeError } from './parity'
import { registerDilatedConvGradients } from './dilatedConvGrad'

/**
 * A dilated convolution is an ordinary one with zeros inserted between the
 * filter taps, so the reference gradients come from the undilated op on that
 * spread-out filter (built with differentiable ops, so d/dW lands on the
 * real taps only). Checked on both backends.
 */

function spread(w: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [kh, kw, c, m] = w.shape
  const padded = tf.pad(w.reshape([kh, 1, kw, 1, c, m]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]])
  const big = padded.reshape([kh * dh, kw * dw, c, m])
  return tf.slice(big, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m]) as tf.Tensor4D
}

type Conv = (x: tf.Tensor4D, w: tf.Tensor4D, pad: 'same' | 'valid', dil: [number, number]) => tf.Tensor4D
const ops: [string, Conv, number][] = [
  ['conv2d', (x, w, pad, dil) => tf.conv2d(x, w, 1, pad, 'NHWC', dil), 4],
  ['depthwiseConv2d', (x, w, pad, dil) => tf.depthwiseConv2d(x, w, 1, pad, 'NHWC', dil), 2]
]

const cases: { pad: 'same' | 'valid'; dil: [number, number]; k: number }[] = [
  { pad: 'same', dil: [2, 2], k: 3 },
  { pad: 'valid', dil: [2, 2], k: 3 },
  { pad: 'same', dil: [3, 3], k: 3 },
  { pad: 'same', dil: [2, 1], k: 3 },
  { pad: 'valid', dil: [1, 3], k: 2 },
  { pad: 'same', dil: [2, 2], k: 2 }
]

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm', env: {} })).name).toBe('wasm')
})

describe('gradients of dilated convolutions', () => {
  for (const backend of ['wasm', 'cpu']) {
    for (const [name, op, lastDim] of ops) {
      it.each(cases.map((c) => [`${c.pad} dilation [${c.dil}] ${c.k}x${c.k}`, c] as const))(`${backend} ${name} %s`, async (_, c) => {
        await tf.setBackend(backend)
        try {
          const before = tf.memory().numTensors
          const out = tf.tidy(() => {
            const x = tf.randomNormal([2, 11, 10, 3], 0, 1, 'float32', 5) as tf.Tensor4D
            const w = tf.randomNormal([c.k, c.k, 3, lastDim], 0, 1, 'float32', 6) as tf.Tensor4D
            const y = op(x, w, c.pad, c.dil)
            const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 7)
            const got = tf.grads((a: tf.Tensor, b: tf.Tensor) => op(a as tf.Tensor4D, b as tf.Tensor4D, c.pad, c.dil))([x, w], dy)
            const want = tf.grads((a: tf.Tensor, b: tf.Tensor) => op(a as tf.Tensor4D, spread(b as tf.Tensor4D, c.dil), c.pad, [1, 1]))([x, w], dy)
            return [...got, ...want]
          })
          const [gx, gw, rx, rw] = await Promise.all(out.map((t) => t.data()))
          tf.dispose(out)
          expect(relativeError(gx!, rx!)).toBeLessThan(1e-4)
          expect(relativeError(gw!, rw!)).toBeLessThan(1e-4)
          expect(tf.memory().numTensors).toBe(before)
        } finally {
          await tf.setBackend('wasm')
        }
      })
    }
  }

  it('installs once: a second registration keeps the same gradient', () => {
    const first = tf.getGradient(tf.Conv2D)
    registerDilatedConvGradients()
    expect(tf.getGradient(tf.Conv2D)).toBe(first)
    expect(tf.getGradient(tf.DepthwiseConv2dNative)).not.toBeUndefined()
  })
})
