import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { initBackend } from './select'
import { gradParity } from './parity'
import { threadsFromEnv, WASM_THREADS_ENV } from './wasmThreads'

describe('multi-threaded wasm build', () => {
  it('reads the thread count from the environment', () => {
    expect(threadsFromEnv(undefined)).toBeNull()
    expect(threadsFromEnv('1')).toBeNull()
    expect(threadsFromEnv('3')).toBe(3)
    expect(threadsFromEnv('64')).toBe(8)
    expect(threadsFromEnv('auto')).toBeGreaterThanOrEqual(1)
    expect(() => threadsFromEnv('many')).toThrow(new RegExp(`${WASM_THREADS_ENV} must be a thread count or 'auto', got 'many'`))
  })

  it('runs with two threads and trains like the cpu backend', async () => {
    const report = await initBackend({ wasmThreads: 2, env: {} })
    expect(report).toMatchObject({ name: 'wasm', simd: true, threads: 2 })
    await tf.setBackend('cpu')
    await tf.setBackend('wasm')
    // Big enough for XNNPACK to split the work across the pool.
    const r = await gradParity(
      (x, w, b) => tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), b!)),
      [{ shape: [2, 32, 32, 8] }, { shape: [3, 3, 8, 16] }, { shape: [16] }]
    )
    expect(r.relErr).toBeLessThan(1e-4)
    const d = await gradParity((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), [{ shape: [2, 16, 16, 4] }])
    expect(d.relErr).toBeLessThan(1e-4)
  })
})
