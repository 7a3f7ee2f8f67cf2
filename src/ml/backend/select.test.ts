import * as tf from '@tensorflow/tfjs'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BACKEND_ENV, initBackend } from './select'
import { nodeRequire, resolveWasmDir, WASM_BINARIES, WASM_DIR_ENV } from './wasmDir'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'backend-select-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('resolveWasmDir', () => {
  it('finds the binaries of the installed package', () => {
    const r = resolveWasmDir(undefined, {})
    expect(r.source).toBe('package')
    expect(r.dir.endsWith(path.sep)).toBe(true)
    expect(r.dir).toContain(path.join('@tensorflow', 'tfjs-backend-wasm', 'dist'))
  })

  it('prefers the option over the environment, and the environment over the package', () => {
    const unpacked = path.join(tmp, 'unpacked')
    const envDir = path.join(tmp, 'env')
    const pkgDir = resolveWasmDir(undefined, {}).dir
    for (const d of [unpacked, envDir]) {
      rmSync(d, { recursive: true, force: true })
      mkdirSync(d)
      for (const f of WASM_BINARIES) copyFileSync(path.join(pkgDir, f), path.join(d, f))
    }
    expect(resolveWasmDir(unpacked, { [WASM_DIR_ENV]: envDir })).toEqual({ dir: unpacked + path.sep, source: 'option' })
    expect(resolveWasmDir(undefined, { [WASM_DIR_ENV]: envDir })).toEqual({ dir: envDir + path.sep, source: 'env' })
  })

  it('says which directory lacks the binaries', () => {
    const empty = mkdtempSync(path.join(tmp, 'empty-'))
    expect(() => resolveWasmDir(empty, {})).toThrow(new RegExp(`wasm binaries not found in ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*tfjs-backend-wasm\\.wasm`))
  })
})

/** Whether tfjs-node(-gpu) is installed depends on the machine; the tests hold either way. */
function installed(pkg: string): boolean {
  try {
    nodeRequire().resolve(pkg)
    return true
  } catch {
    return false
  }
}

describe('initBackend', () => {
  it('takes the best backend installed, says why each better one was skipped, and runs wasm on two threads where it can', async () => {
    const r = await initBackend({ env: {} })
    expect(tf.getBackend()).toBe(r.name === 'tensorflow-gpu' ? 'tensorflow' : r.name)
    const better = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].slice(0, ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].indexOf(r.name))
    for (const [name, pkg] of [
      ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
      ['tensorflow', '@tensorflow/tfjs-node']
    ] as const) {
      if (better.includes(name) && !installed(pkg)) expect(r.skipped).toContainEqual({ name, reason: 'not installed' })
    }
    if (r.name !== 'wasm') return
    expect(r.gpu).toBe(false)
    expect(r.simd).toBe(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))
    const threadNotes = r.skipped.filter((s) => s.name.startsWith('wasm ('))
    if (os.availableParallelism() >= 2 && threadNotes.length === 0) expect(r.threads).toBe(2)
    // Fewer threads than the default only ever with the reason.
    else expect(threadNotes.length).toBeGreaterThan(0)
  })

  it('registers the training kernels so wasm can train a convolution', async () => {
    await initBackend({ env: {} })
    const g = tf.tidy(() => {
      const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D
      return tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, 'valid'))(tf.ones([3, 3, 1, 1]))
    })
    // Each tap sees a 2x2 block of ones.
    expect(Array.from(await g.data())).toEqual(new Array(9).fill(4))
    g.dispose()
  })

  it('honours DEFECT_STUDIO_BACKEND=cpu and reports why better backends were skipped', async () => {
    const r = await initBackend({ env: { [BACKEND_ENV]: 'cpu' } })
    expect(r.name).toBe('cpu')
    expect(tf.getBackend()).toBe('cpu')
    expect(r.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm'])
    expect(r.skipped.every((s) => s.reason === `${BACKEND_ENV}=cpu`)).toBe(true)
  })

  // Only meaningful where libtensorflow is absent (as on this project's build machine).
  it.skipIf(installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu'))('fails instead of falling back when the forced backend is unavailable', async () => {
    await expect(initBackend({ env: { [BACKEND_ENV]: 'tensorflow' } })).rejects.toThrow(
      /DEFECT_STUDIO_BACKEND=tensorflow could not be used \(tensorflow-gpu: not installed; tensorflow: not installed\)/
    )
  })

  it('rejects an unknown forced backend by name', async () => {
    await expect(initBackend({ env: { [BACKEND_ENV]: 'webgpu' } })).rejects.toThrow(/DEFECT_STUDIO_BACKEND must be one of tensorflow, wasm, cpu; got 'webgpu'/)
  })

  it('starts at the preferred backend and keeps worse ones as fallbacks', async () => {
    const r = await initBackend({ prefer: 'cpu', env: {} })
    expect(r.name).toBe('cpu')
    expect(r.skipped[0]).toEqual({ name: 'tensorflow-gpu', reason: "prefer: 'cpu'" })
    const w = await initBackend({ prefer: 'wasm', env: {} })
    expect(w.name).toBe('wasm')
  })

  it('falls back to cpu when the wasm binaries are missing, saying where it looked', async () => {
    const empty = mkdtempSync(path.join(tmp, 'nowasm-'))
    const r = await initBackend({ prefer: 'wasm', env: { [WASM_DIR_ENV]: empty } })
    expect(r.name).toBe('cpu')
    expect(r.skipped[2]?.name).toBe('wasm')
    expect(r.skipped[2]?.reason).toContain(`wasm binaries not found in ${empty}`)
  })
})
