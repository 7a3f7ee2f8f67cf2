import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ModelConfig } from '../../shared/arcd/config'
import { CPU_PRESET } from '../../shared/arcd/config'
import { focalLoss } from '../losses/focal'
import { reconstructionLoss } from '../losses/reconstruction'
import {
  MaxPool2x,
  Upsample2x,
  buildBaselineUnet,
  buildDiscriminative,
  buildReconstruction,
  alignResidualReading,
  convertResidualReading,
  countParams,
  estimateFlops,
  logitsOf,
  outputConv,
  setOutputPrior
} from './index'

const TINY: ModelConfig = { size: 32, channels: 3, reconBase: 4, reconDepth: 3, discBase: 4, discDepth: 3, mflm: true, calm: true }

beforeAll(async () => {
  await tf.setBackend('cpu')
})

function input(batch: number, channels: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([batch, TINY.size, TINY.size, channels], 0, 1, 'float32', seed) as tf.Tensor4D
}

describe('network shapes', () => {
  it('reconstruction maps [b,s,s,c] to the same shape in (0,1), with and without MFLM', () => {
    for (const mflm of [true, false]) {
      const model = buildReconstruction({ ...TINY, mflm }, { seed: 1 })
      expect(model.inputs[0]!.shape).toEqual([null, 32, 32, 3])
      const x = input(2, 3, 1)
      const y = model.predict(x) as tf.Tensor
      expect(y.shape).toEqual([2, 32, 32, 3])
      expect(tf.min(y).arraySync() as number).toBeGreaterThan(0)
      expect(tf.max(y).arraySync() as number).toBeLessThan(1)
      expect(model.layers.some((l) => l.getClassName() === 'ChannelTransformer')).toBe(mflm)
      tf.dispose([x, y])
      model.dispose()
    }
  })

  it('reconstruction skips: each decoder level concatenates the encoder level of its size; a config without the field is the thesis autoencoder', () => {
    const skips = buildReconstruction({ ...TINY, mflm: false, reconSkips: true }, { seed: 1 })
    const joins = skips.layers.filter((l) => l.getClassName() === 'Concatenate')
    expect(joins.map((l) => l.name).sort()).toEqual(['reconstruction_dec0_skip', 'reconstruction_dec1_skip', 'reconstruction_dec2_skip'])
    for (const join of joins) {
      const sides = (join.input as tf.SymbolicTensor[]).map((t) => t.shape.slice(1, 3))
      expect(sides[0]).toEqual(sides[1])
    }
    // Saved before the field existed: same weights, name for name and shape for shape, as an explicit "no skips".
    const old = buildReconstruction({ ...TINY, mflm: false }, { seed: 1 })
    const none = buildReconstruction({ ...TINY, mflm: false, reconSkips: false }, { seed: 1 })
    const shapes = (m: tf.LayersModel): string[] => m.weights.map((w) => `${w.name.replace(/_\d+$/, '')}:${w.shape.join('x')}`)
    expect(shapes(old)).toEqual(shapes(none))
    expect(old.layers.some((l) => l.getClassName() === 'Concatenate')).toBe(false)
    expect(shapes(skips)).not.toEqual(shapes(old))
    for (const m of [skips, old, none]) m.dispose()
  })

  it('discriminative takes 2*channels and gives one sigmoid map per class; the baseline takes the image alone', () => {
    const disc = buildDiscriminative(TINY, 3, { seed: 2 })
    const base = buildBaselineUnet({ ...TINY, calm: false }, 2, { seed: 2 })
    expect(disc.inputs[0]!.shape).toEqual([null, 32, 32, 6])
    expect(base.inputs[0]!.shape).toEqual([null, 32, 32, 3])
    const x6 = input(2, 6, 3)
    const x3 = input(1, 3, 4)
    const yd = disc.predict(x6) as tf.Tensor
    const yb = base.predict(x3) as tf.Tensor
    expect(yd.shape).toEqual([2, 32, 32, 3])
    expect(yb.shape).toEqual([1, 32, 32, 2])
    // Independent sigmoids: the class maps do not sum to one.
    const sums = tf.sum(yd, -1)
    expect(Math.abs((tf.mean(sums).arraySync() as number) - 1)).toBeGreaterThan(1e-3)
    expect(disc.layers.filter((l) => l.name.endsWith('_coord_scale')).length).toBe(3)
    tf.dispose([x6, x3, yd, yb, sums])
    disc.dispose()
    base.dispose()
  })

  it('reconResidual: the discriminative net given [image, reconstruction] computes what the plain one does on [image, image - reconstruction]', () => {
    const cfg = { ...TINY, calm: false }
    const residual = buildDiscriminative({ ...cfg, reconResidual: true }, 2, { seed: 8 })
    const plain = buildDiscriminative(cfg, 2, { seed: 8 })
    expect(residual.inputs[0]!.shape).toEqual([null, 32, 32, 6])
    expect(residual.layers.filter((l) => l.getClassName() === 'ResidualInput').length).toBe(1)
    expect(plain.layers.some((l) => l.getClassName() === 'ResidualInput')).toBe(false)
    expect(countParams(residual)).toBe(countParams(plain))
    const image = input(2, 3, 9)
    const recon = input(2, 3, 10)
    const a = residual.predict(tf.concat([image, recon], 3)) as tf.Tensor
    const b = plain.predict(tf.concat([image, tf.sub(image, recon)], 3)) as tf.Tensor
    const c = plain.predict(tf.concat([image, recon], 3)) as tf.Tensor
    expect(tf.max(tf.abs(tf.sub(a, b))).arraySync() as number).toBeLessThan(1e-6)
    expect(tf.max(tf.abs(tf.sub(a, c))).arraySync() as number).toBeGreaterThan(1e-3)
    tf.dispose([image, recon, a, b, c])
    residual.dispose()
    plain.dispose()
  })

  it('convertResidualReading: a net loaded from one that read the reconstruction the other way computes what that one did', () => {
    const cfg = { ...TINY, calm: false }
    const image = input(2, 3, 12)
    const recon = input(2, 3, 13)
    const x = tf.concat([image, recon], 3)
    for (const [fromResidual, toResidual] of [
      [false, true],
      [true, false]
    ]) {
      const from = buildDiscriminative({ ...cfg, reconResidual: fromResidual }, 2, { seed: 14 })
      const to = buildDiscriminative({ ...cfg, reconResidual: toResidual }, 2, { seed: 15 })
      to.setWeights(from.getWeights())
      const expected = from.predict(x) as tf.Tensor
      const unconverted = to.predict(x) as tf.Tensor
      convertResidualReading(to)
      const converted = to.predict(x) as tf.Tensor
      expect(tf.max(tf.abs(tf.sub(unconverted, expected))).arraySync() as number).toBeGreaterThan(1e-3)
      expect(tf.max(tf.abs(tf.sub(converted, expected))).arraySync() as number).toBeLessThan(1e-5)
      tf.dispose([expected, unconverted, converted])
      from.dispose()
      to.dispose()
    }
    tf.dispose([image, recon, x])
  })

  it('alignResidualReading converts only a first convolution that was loaded from a net reading the other way', () => {
    const cfg = { ...TINY, calm: false }
    const disc = buildDiscriminative({ ...cfg, reconResidual: true }, 2, { seed: 16 })
    const all = disc.weights.map((w) => w.originalName)
    const first = disc.getLayer(`${disc.name}_enc0_a_conv`)
    const before = (first.getWeights()[0]!.arraySync() as number[][][][]).flat(3)
    const kernelNow = (): number[] => (first.getWeights()[0]!.arraySync() as number[][][][]).flat(3)
    expect(alignResidualReading(disc, true, true, all)).toBeNull()
    expect(alignResidualReading(disc, false, true, all.filter((n) => !n.includes('enc0_a_conv')))).toBeNull()
    expect(kernelNow()).toEqual(before)
    expect(alignResidualReading(disc, false, true, all)).toMatch(/converted to read the reconstruction as a residual/)
    expect(kernelNow()).not.toEqual(before)
    disc.dispose()
  })

  it('rejects sizes the depth cannot halve and bad class counts', () => {
    expect(() => buildReconstruction({ ...TINY, size: 36 })).toThrow(/not divisible by 2\^depth = 8/)
    expect(() => buildDiscriminative(TINY, 0)).toThrow(/numClasses/)
  })
})

describe('resampling layers', () => {
  // Batch 2 and 3 channels: the sizes at which TF.js's own gradient kernels go wrong.
  const x = (): tf.Tensor4D => tf.randomNormal([2, 4, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D

  it('MaxPool2x pools like tf.maxPool and routes the gradient to each block maximum', () => {
    const input = x()
    const layer = new MaxPool2x({})
    const y = layer.apply(input) as tf.Tensor
    expect(Array.from(y.dataSync())).toEqual(Array.from(tf.maxPool(input, 2, 2, 'valid').dataSync()))
    const dy = tf.randomNormal([2, 2, 3, 3], 0, 1, 'float32', 2)
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, dy)))(input)
    const xs = input.arraySync()
    const dys = dy.arraySync() as number[][][][]
    const gs = g.arraySync() as number[][][][]
    for (let b = 0; b < 2; b++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 3; c++) {
      let best = -Infinity
      let at: [number, number] = [0, 0]
      for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) {
        const v = xs[b]![2 * i + di]![2 * j + dj]![c]!
        if (v > best) [best, at] = [v, [2 * i + di, 2 * j + dj]]
      }
      for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) {
        const want = 2 * i + di === at[0] && 2 * j + dj === at[1] ? dys[b]![i]![j]![c]! : 0
        expect(gs[b]![2 * i + di]![2 * j + dj]![c]).toBeCloseTo(want, 6)
      }
    }
  })

  it('Upsample2x replicates pixels and sums the gradient over each 2x2 block', () => {
    const input = x()
    const layer = new Upsample2x({})
    const y = layer.apply(input) as tf.Tensor
    expect(y.shape).toEqual([2, 8, 12, 3])
    expect(Array.from(y.dataSync())).toEqual(Array.from(tf.image.resizeNearestNeighbor(input, [8, 12]).dataSync()))
    const dy = tf.randomNormal([2, 8, 12, 3], 0, 1, 'float32', 3)
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, dy)))(input).arraySync() as number[][][][]
    const d = dy.arraySync() as number[][][][]
    for (let b = 0; b < 2; b++) for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) for (let c = 0; c < 3; c++) {
      const want = d[b]![2 * i]![2 * j]![c]! + d[b]![2 * i + 1]![2 * j]![c]! + d[b]![2 * i]![2 * j + 1]![c]! + d[b]![2 * i + 1]![2 * j + 1]![c]!
      expect(g[b]![i]![j]![c]).toBeCloseTo(want, 5)
    }
  })
})

describe('seeded builds', () => {
  it('the same seed gives identical weights, another seed different ones', () => {
    const a = buildReconstruction(TINY, { seed: 11 })
    const b = buildReconstruction(TINY, { seed: 11 })
    const c = buildReconstruction(TINY, { seed: 12 })
    const wa = a.getWeights()
    const wb = b.getWeights()
    const wc = c.getWeights()
    expect(wa.length).toBe(wb.length)
    let differs = 0
    for (let i = 0; i < wa.length; i++) {
      expect(Array.from(wa[i]!.dataSync())).toEqual(Array.from(wb[i]!.dataSync()))
      if (tf.any(tf.notEqual(wa[i]!, wc[i]!)).arraySync()) differs++
    }
    // Kernels, transformer weights, embeddings differ; zero/one-initialised ones (BN, biases) do not.
    expect(differs).toBeGreaterThan(20)
    for (const m of [a, b, c]) m.dispose()
  })
})

describe('gradients', () => {
  it('reach every trainable weight of the MFLM reconstruction net and the CALM U-Net, finite', () => {
    const recon = buildReconstruction(TINY, { seed: 3 })
    const disc = buildDiscriminative(TINY, 2, { seed: 4 })
    const x = input(2, 3, 5)
    const target = tf.cast(tf.greater(tf.randomUniform([2, 32, 32, 2], 0, 1, 'float32', 6), 0.8), 'float32') as tf.Tensor4D
    for (const [model, loss] of [
      [recon, () => reconstructionLoss(x, recon.apply(x, { training: true }) as tf.Tensor4D)],
      [disc, () => focalLoss(target, disc.apply(tf.concat([x, x], -1), { training: true }) as tf.Tensor4D)]
    ] as const) {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
      const { value, grads } = tf.variableGrads(loss, vars)
      expect(Number.isFinite(value.arraySync() as number)).toBe(true)
      expect(Object.keys(grads).length).toBe(vars.length)
      let nonZero = 0
      for (const v of vars) {
        const g = grads[v.name]!
        expect(g.shape).toEqual(v.shape)
        expect(tf.all(tf.isFinite(g)).arraySync()).toBe(1)
        if ((tf.max(tf.abs(g)).arraySync() as number) > 0) nonZero++
      }
      expect(nonZero).toBe(vars.length)
      tf.dispose([value, ...Object.values(grads)])
    }
    tf.dispose([x, target])
    recon.dispose()
    disc.dispose()
  })
})

describe('serialisation', () => {
  it('round-trips models with MFLM, CALM and the residual input through tf.io with identical outputs', async () => {
    for (const model of [buildReconstruction(TINY, { seed: 5 }), buildDiscriminative(TINY, 3, { seed: 6 }), buildDiscriminative({ ...TINY, reconResidual: true }, 3, { seed: 6 })]) {
      let saved: tf.io.ModelArtifacts | null = null
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
        })
      )
      expect(saved).not.toBeNull()
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!))
      const x = input(1, model.inputs[0]!.shape[3]!, 7)
      const a = model.predict(x) as tf.Tensor
      const b = loaded.predict(x) as tf.Tensor
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()))
      expect(countParams(loaded)).toBe(countParams(model))
      tf.dispose([x, a, b])
      model.dispose()
      loaded.dispose()
    }
  })
})

describe('size figures', () => {
  it('countParams agrees with TF.js and estimateFlops counts a conv exactly', () => {
    const x = tf.input({ shape: [16, 16, 3] })
    const y = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor
    const m = tf.model({ inputs: x, outputs: y })
    expect(countParams(m)).toBe(3 * 3 * 3 * 8 + 8)
    expect(estimateFlops(m, 16)).toBe(16 * 16 * (2 * 3 * 3 * 3 * 8 + 8))
    expect(estimateFlops(m, 32)).toBe(4 * 16 * 16 * (2 * 3 * 3 * 3 * 8 + 8))
    m.dispose()
    const r = buildReconstruction(TINY)
    expect(countParams(r)).toBe(r.countParams())
    r.dispose()
  })

  it('keeps the CPU preset networks within a CPU budget at 256 (0.2-2M parameters, under 3 GFLOPs)', () => {
    const recon = buildReconstruction(CPU_PRESET)
    const disc = buildDiscriminative(CPU_PRESET, 3)
    for (const m of [recon, disc]) {
      expect(countParams(m)).toBeGreaterThan(2e5)
      expect(countParams(m)).toBeLessThan(2e6)
      expect(estimateFlops(m, 256)).toBeLessThan(3e9)
      m.dispose()
    }
  })
})

describe("the U-Net's output", () => {
  const cfg: ModelConfig = { ...TINY, mflm: false, calm: false }

  it('is the sigmoid of what logitsOf returns, through the same weights', () => {
    const net = buildBaselineUnet(cfg, 3, { seed: 5 })
    const logits = logitsOf(net)
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor4D
    const p = net.predict(x) as tf.Tensor4D
    const z = logits.predict(x) as tf.Tensor4D
    const q = z.arraySync().flat(3).map((v) => 1 / (1 + Math.exp(-v)))
    expect(Math.max(...p.arraySync().flat(3).map((v, i) => Math.abs(v - q[i]!)))).toBeLessThan(1e-6)
    expect(logits.trainableWeights.map((w) => w.name)).toEqual(net.trainableWeights.map((w) => w.name))
    // Not a copy: changing the network changes the logits.
    setOutputPrior(net, 0.01)
    const z2 = logits.predict(x) as tf.Tensor4D
    expect(tf.max(tf.abs(tf.sub(z2, z))).arraySync()).toBeGreaterThan(0)
    tf.dispose([x, p, z, z2])
  })

  it('starts every class at the defect prior with setOutputPrior', () => {
    for (const net of [buildBaselineUnet(cfg, 4), buildDiscriminative(cfg, 2)]) {
      setOutputPrior(net, 0.01)
      const bias = outputConv(net).getWeights()[1]!.arraySync() as number[]
      expect(bias).toHaveLength(net.outputs[0]!.shape[3] as number)
      for (const b of bias) expect(b).toBeCloseTo(Math.log(0.01 / 0.99), 5)
    }
  })
})
