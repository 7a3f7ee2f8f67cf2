import * as tf from '@tensorflow/tfjs'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { initBackend } from './select'
import { resolveWasmDir } from './wasmDir'

// Own file: wasm initialises once per process.
const dir = mkdtempSync(path.join(os.tmpdir(), 'wasm-broken-threads-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('starts the single-threaded build when the threaded one fails to initialise', async () => {
  const pkg = resolveWasmDir(undefined, {}).dir
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) copyFileSync(path.join(pkg, f), path.join(dir, f))
  writeFileSync(path.join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'), 'not a wasm module')
  const report = await initBackend({ wasmDir: dir, wasmThreads: 2, env: {} })
  expect(report.name).toBe('wasm')
  expect(report.threads).toBe(1)
  expect(report.skipped.find((s) => s.name === 'wasm (2 threads)')?.reason).toMatch(/wasm failed to initialise.*expected magic word/)
  const y = tf.tidy(() => tf.sum(tf.ones([4])))
  expect((await y.data())[0]).toBe(4)
  y.dispose()
})
