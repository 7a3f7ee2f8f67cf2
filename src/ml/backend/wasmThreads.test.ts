import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { initBackend } from './select'
import { gradParity } from './parity'
import { DEFAULT_WASM_THREADS, threadsFromEnv, wantedWasmThreads, WASM_THREADS_ENV } from './wasmThreads'

describe('multi-threaded wasm build', () => {
  it('reads the thread count from the environment', () => {
    expect(threadsFromEnv(undefined)).toBeNull()
    expect(threadsFromEnv('')).toBeNull()
    expect(threadsFromEnv('1')).toBe(1)
    expect(threadsFromEnv('0')).toBe(1)
    expect(threadsFromEnv('3')).toBe(3)
    expect(threadsFromEnv('64')).toBe(8)
    expect(threadsFromEnv('auto')).toBeGreaterThanOrEqual(1)
    expect(() => threadsFromEnv('many')).toThrow(new RegExp(`${WASM_THREADS_ENV} must be a thread count or 'auto', got 'many'`))
  })

  it('defaults to two threads where there are two cores, and says why it uses fewer', () => {
    expect(wantedWasmThreads(undefined, undefined, 2)).toEqual({ threads: 2, reason: null })
    expect(wantedWasmThreads(undefined, undefined, 16)).toEqual({ threads: DEFAULT_WASM_THREADS, reason: null })
    expect(wantedWasmThreads(undefined, undefined, 1)).toEqual({ threads: 1, reason: '1 CPU core: a second thread would not be faster' })
    expect(wantedWasmThreads(undefined, '1', 2)).toEqual({ threads: 1, reason: `${WASM_THREADS_ENV}=1` })
    expect(wantedWasmThreads(undefined, '4', 2)).toEqual({ threads: 4, reason: null })
    // The option beats the environment.
    expect(wantedWasmThreads(1, '4', 2)).toEqual({ threads: 1, reason: 'wasmThreads: 1' })
    expect(wantedWasmThreads(2, '1', 2)).toEqual({ threads: 2, reason: null })
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
