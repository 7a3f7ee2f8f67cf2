import * as tf from '@tensorflow/tfjs'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET } from '../../shared/arcd/config'
import { initBackend } from '../backend'
import { ChannelBatchNorm, buildDiscriminative, buildReconstruction } from '../models'
import { replaceDir, makeStagingDir } from './files'
import { loadModelWeights, readTensorFiles, saveModel, warmStartWeights, writeTensorFiles } from './weights'

const cfg = { ...CPU_PRESET, size: 16, reconBase: 2, reconDepth: 1, discBase: 2, discDepth: 1 }
let tmp: string

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' })
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ds-io-'))
})
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('model files', () => {
  it('saves TF.js model.json + weights.bin and reloads to identical outputs', async () => {
    const a = buildReconstruction(cfg, { seed: 1 })
    const b = buildReconstruction(cfg, { seed: 2 })
    const dir = path.join(tmp, 'recon')
    await saveModel(a, dir)
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'))
    expect(json.format).toBe('layers-model')
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin'])
    expect(json.modelTopology).toBeTruthy()

    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 3)
    const before = b.predict(x) as tf.Tensor
    const ya = a.predict(x) as tf.Tensor
    expect(tf.max(tf.abs(tf.sub(ya, before))).dataSync()[0]).toBeGreaterThan(0)
    await loadModelWeights(b, dir)
    const yb = b.predict(x) as tf.Tensor
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()))
    tf.dispose([x, before, ya, yb])
    a.dispose()
    b.dispose()
  })

  it('writes standard TF.js files: tf.loadLayersModel reads them (custom MFLM/CALM layers included)', async () => {
    const full = { ...cfg, size: 16, reconDepth: 2, mflm: true, calm: true }
    for (const model of [buildReconstruction(full, { seed: 3 }), buildDiscriminative(full, 2, { seed: 4 })]) {
      const dir = path.join(tmp, `tfjs-${model.name}`)
      await saveModel(model, dir)
      const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'))
      const data = await fs.readFile(path.join(dir, 'weights.bin'))
      const loaded = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
          weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
        })
      )
      const channels = model.inputs[0]!.shape[3]!
      const x = tf.randomUniform([1, 16, 16, channels], 0, 1, 'float32', 9)
      const a = model.predict(x) as tf.Tensor
      const b = loaded.predict(x) as tf.Tensor
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()))
      tf.dispose([x, a, b])
      model.dispose()
      loaded.dispose()
    }
  })

  it('refuses weights of another architecture with a clear message', async () => {
    const a = buildReconstruction(cfg)
    const dir = path.join(tmp, 'recon-mismatch')
    await saveModel(a, dir)
    const wider = buildReconstruction({ ...cfg, reconBase: 4 })
    await expect(loadModelWeights(wider, dir)).rejects.toThrow(/shape/)
    a.dispose()
    wider.dispose()
  })

  it('reports a truncated weights file', async () => {
    const dir = path.join(tmp, 'trunc')
    await writeTensorFiles(dir, 'opt', [{ name: 'w', tensor: tf.ones([4, 4]) }])
    const bin = path.join(dir, 'opt.bin')
    const bytes = await fs.readFile(bin)
    await fs.writeFile(bin, bytes.subarray(0, 10))
    await expect(readTensorFiles(dir, 'opt')).rejects.toThrow(/10 bytes/)
  })

  it('warm-starts by name where shapes match (a new class only resets the output layer)', async () => {
    const src = buildDiscriminative(cfg, 2, { seed: 5 })
    const dir = path.join(tmp, 'disc2')
    await saveModel(src, dir)
    const dst = buildDiscriminative(cfg, 3, { seed: 6 })
    const outKernelBefore = dst.getLayer('discriminative_out').getWeights()[0]!.clone()
    const r = await warmStartWeights(dst, dir)
    expect(r.skipped).toBe(2) // output kernel and bias
    expect(r.loaded).toBe(dst.weights.length - 2)
    expect(r.loadedNames).toEqual(dst.weights.map((w) => w.originalName).filter((n) => !n.startsWith('discriminative_out/')))
    const firstConv = (m: tf.LayersModel) => m.weights[0]!.read().dataSync()
    expect(Array.from(firstConv(dst))).toEqual(Array.from(firstConv(src)))
    const outKernelAfter = dst.getLayer('discriminative_out').getWeights()[0]!
    expect(Array.from(outKernelAfter.dataSync())).toEqual(Array.from(outKernelBefore.dataSync()))
    src.dispose()
    dst.dispose()
  })
})

describe('models saved with the stock batch-norm layer', () => {
  // Models and checkpoints from before ChannelBatchNorm hold tf.layers.batchNormalization weights.
  function net(stock: boolean, seed: number): tf.LayersModel {
    const input = tf.input({ shape: [8, 8, 3] })
    const conv = tf.layers.conv2d({ name: 'n_c1_conv', filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed }) }).apply(input) as tf.SymbolicTensor
    const args = { name: 'n_c1_bn', momentum: 0.9, epsilon: 1e-5 }
    const bn = (stock ? tf.layers.batchNormalization(args) : new ChannelBatchNorm(args)).apply(conv) as tf.SymbolicTensor
    return tf.model({ name: 'n', inputs: input, outputs: bn })
  }

  it('load into the new networks, by name for a warm start and whole for a model or checkpoint', async () => {
    const old = net(true, 1)
    // Moving statistics away from (0, 1), as a trained model has them.
    old.getLayer('n_c1_bn').setWeights([tf.fill([4], 1.5), tf.fill([4], 0.2), tf.tensor1d([0.1, -0.2, 0.3, 0]), tf.tensor1d([2, 0.5, 1, 3])])
    const dir = path.join(tmp, 'stock-bn')
    await saveModel(old, dir)
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 4)
    const want = Array.from((old.predict(x) as tf.Tensor).dataSync())
    const warm = net(false, 2)
    expect(await warmStartWeights(warm, dir)).toEqual({ loaded: 5, skipped: 0, loadedNames: warm.weights.map((w) => w.originalName) })
    expect(Array.from((warm.predict(x) as tf.Tensor).dataSync())).toEqual(want)
    const whole = net(false, 3)
    await loadModelWeights(whole, dir)
    expect(Array.from((whole.predict(x) as tf.Tensor).dataSync())).toEqual(want)
    tf.dispose(x)
    for (const m of [old, warm, whole]) m.dispose()
  })
})

describe('replaceDir', () => {
  it('swaps a complete folder in place of an existing one', async () => {
    const target = path.join(tmp, 'swap')
    await fs.mkdir(target, { recursive: true })
    await fs.writeFile(path.join(target, 'old.txt'), 'old')
    const staging = await makeStagingDir(target)
    await fs.writeFile(path.join(staging, 'new.txt'), 'new')
    await replaceDir(staging, target)
    expect((await fs.readdir(target)).sort()).toEqual(['new.txt'])
    expect((await fs.readdir(tmp)).filter((n) => n.includes('swap.tmp'))).toEqual([])
  })
})

describe('models saved with the sigmoid inside the output conv', () => {
  // Before logitsOf, the U-Net's last conv had activation 'sigmoid'; now the sigmoid is a layer after it.
  function net(sigmoidInConv: boolean, seed: number): tf.LayersModel {
    const input = tf.input({ shape: [8, 8, 3] })
    const conv = tf.layers.conv2d({ name: 'n_out', filters: 2, kernelSize: 3, padding: 'same', activation: sigmoidInConv ? 'sigmoid' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: tf.initializers.constant({ value: seed / 10 }) }).apply(input) as tf.SymbolicTensor
    const out = sigmoidInConv ? conv : (tf.layers.activation({ name: 'n_out_sigmoid', activation: 'sigmoid' }).apply(conv) as tf.SymbolicTensor)
    return tf.model({ name: 'n', inputs: input, outputs: out })
  }

  it('load whole into the new networks and predict the same', async () => {
    const old = net(true, 1)
    const dir = path.join(tmp, 'sigmoid-in-conv')
    await saveModel(old, dir)
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 4)
    const want = Array.from((old.predict(x) as tf.Tensor).dataSync())
    const now = net(false, 2)
    await loadModelWeights(now, dir)
    const got = Array.from((now.predict(x) as tf.Tensor).dataSync())
    expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-6)
    old.dispose()
    now.dispose()
  })
})
