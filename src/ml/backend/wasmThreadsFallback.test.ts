import * as tf from '@tensorflow/tfjs'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { initBackend } from './select'
import { resolveWasmDir } from './wasmDir'

// Own file: wasm initialises once per process, and this one must start single-threaded.
const dir = mkdtempSync(path.join(os.tmpdir(), 'wasm-no-threads-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('falls back to the single-threaded build when the threaded one is missing, and says so', async () => {
  const pkg = resolveWasmDir(undefined, {}).dir
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) copyFileSync(path.join(pkg, f), path.join(dir, f))
  const report = await initBackend({ wasmDir: dir, wasmThreads: 4, env: {} })
  expect(report.name).toBe('wasm')
  expect(report.threads).toBe(1)
  expect(report.skipped.find((s) => s.name === 'wasm (4 threads)')?.reason).toMatch(/threaded wasm binary not found/)
  const y = tf.tidy(() => tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'valid'))
  expect(Array.from(await y.data())).toEqual([9])
  y.dispose()
})
