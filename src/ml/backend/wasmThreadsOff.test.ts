import * as tf from '@tensorflow/tfjs'
import { expect, it } from 'vitest'
import { initBackend } from './select'
import { WASM_THREADS_ENV } from './wasmThreads'

// Own file: wasm initialises once per process, and this one must start single-threaded.
it(`${WASM_THREADS_ENV}=1 forces the single-threaded build and the report says so`, async () => {
  const report = await initBackend({ prefer: 'wasm', env: { [WASM_THREADS_ENV]: '1' } })
  expect(report.name).toBe('wasm')
  expect(report.threads).toBe(1)
  expect(report.skipped).toContainEqual({ name: 'wasm (2 threads)', reason: `${WASM_THREADS_ENV}=1` })
  const g = tf.tidy(() => tf.grad((w: tf.Tensor) => tf.conv2d(tf.ones([2, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'))(tf.ones([3, 3, 1, 1])))
  // Each tap sees a 2x2 block of ones in each of the two images.
  expect(Array.from(await g.data())).toEqual(new Array(9).fill(8))
  g.dispose()
})
