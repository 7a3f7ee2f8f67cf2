import * as tf from '@tensorflow/tfjs'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { balancedEps, focalLoss } from './focal'
import { reconstructionAccuracy, reconstructionLoss, reconstructionLossParts } from './reconstruction'
import { POSITIVE_FLOOR, hardNegativeLoss, segmentationLoss, segmentationLossFromLogits } from './segmentation'
import { ssim } from './ssim'

interface SsimCase {
  name: string
  shape: [number, number, number]
  sigma: number
  a: number[]
  b: number[]
  expected: number
}

const fixtures = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'ssim_fixtures.json'), 'utf8')) as { cases: SsimCase[] }

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('ssim', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('matches skimage: %s', (_name, c) => {
    const [h, w, ch] = c.shape
    const a = tf.tensor4d(c.a, [1, h, w, ch])
    const b = tf.tensor4d(c.b, [1, h, w, ch])
    const value = ssim(a, b, { sigma: c.sigma }).arraySync() as number
    expect(Math.abs(value - c.expected)).toBeLessThan(1e-4)
    tf.dispose([a, b])
  })

  it('averages a batch like the mean of its images', () => {
    // Batch = [case a vs b, b vs b]: the mean of the case's value and 1.
    const c = fixtures.cases[0]!
    const [h, w, ch] = c.shape
    const a = tf.tensor4d([...c.a, ...c.b], [2, h, w, ch])
    const b = tf.tensor4d([...c.b, ...c.b], [2, h, w, ch])
    const value = ssim(a, b).arraySync() as number
    expect(Math.abs(value - (c.expected + 1) / 2)).toBeLessThan(1e-4)
    tf.dispose([a, b])
  })

  it('rejects images smaller than the window', () => {
    const a = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D
    expect(() => ssim(a, a)).toThrow(/smaller than the 11x11 window/)
    a.dispose()
  })
})

describe('reconstruction loss', () => {
  it('is L2 + 0.01*(1 - SSIM) and zero for a perfect reconstruction', () => {
    const c = fixtures.cases[0]!
    const [h, w, ch] = c.shape
    const a = tf.tensor4d(c.a, [1, h, w, ch])
    const b = tf.tensor4d(c.b, [1, h, w, ch])
    let mse = 0
    for (let i = 0; i < c.a.length; i++) mse += (c.a[i]! - c.b[i]!) ** 2
    mse /= c.a.length
    const loss = reconstructionLoss(a, b).arraySync() as number
    expect(loss).toBeCloseTo(mse + 0.01 * (1 - c.expected), 5)
    expect(reconstructionLoss(a, a).arraySync() as number).toBeCloseTo(0, 6)
    const parts = reconstructionLossParts(a, b)
    expect(parts.l2.arraySync() as number).toBeCloseTo(mse, 6)
    tf.dispose([a, b, parts.total, parts.l2, parts.ssim])
  })

  it('RA follows eq. 4-9', () => {
    expect(reconstructionAccuracy(0, 1)).toBe(1)
    expect(reconstructionAccuracy(1e-5, 0.99)).toBeCloseTo(Math.exp(-10000 * (1e-5 + 1e-4)), 12)
    expect(reconstructionAccuracy(0.01, 0.5)).toBeLessThan(1e-40)
  })

  it('has finite gradients with respect to the prediction', () => {
    const t = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D
    const p = tf.variable(tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 4))
    const { grads } = tf.variableGrads(() => reconstructionLoss(t, p as unknown as tf.Tensor4D), [p])
    const g = grads[p.name]!
    expect(g.shape).toEqual([2, 16, 16, 3])
    expect(tf.all(tf.isFinite(g)).arraySync()).toBe(1)
    expect(tf.max(tf.abs(g)).arraySync() as number).toBeGreaterThan(0)
    tf.dispose([t, p, g])
  })
})

describe('focal loss', () => {
  // 1 image, 2x2 pixels, 2 classes; class 0 has 1 positive of 4, class 1 has 3 of 4.
  const y = [1, 1, 0, 1, 0, 0, 0, 1]
  const p = [0.9, 0.6, 0.2, 0.7, 0.4, 0.1, 0.99, 0.3]

  /** eps(k) = weight of class k's positives; null = no class weighting (eps_t = 1). */
  function manual(gamma: number, eps: ((k: number) => number) | null): number {
    let sum = 0
    for (let i = 0; i < y.length; i++) {
      const k = i % 2
      const pt = y[i] === 1 ? p[i]! : 1 - p[i]!
      const e = eps === null ? 1 : y[i] === 1 ? eps(k) : 1 - eps(k)
      sum += -e * (1 - pt) ** gamma * Math.log(pt)
    }
    return sum / y.length
  }

  it('matches a hand computation with balanced weights (eps = negatives share)', () => {
    const t = tf.tensor4d(y, [1, 2, 2, 2])
    const q = tf.tensor4d(p, [1, 2, 2, 2])
    const eps = balancedEps(t).arraySync()
    expect(eps[0]).toBeCloseTo(3 / 4, 6)
    expect(eps[1]).toBeCloseTo(1 / 4, 6)
    const value = focalLoss(t, q).arraySync() as number
    expect(value).toBeCloseTo(manual(2, (k) => (k === 0 ? 0.75 : 0.25)), 6)
    tf.dispose([t, q])
  })

  it('matches a hand computation with fixed alpha, and plain focal loss', () => {
    const t = tf.tensor4d(y, [1, 2, 2, 2])
    const q = tf.tensor4d(p, [1, 2, 2, 2])
    expect(focalLoss(t, q, { alpha: [0.25, 0.6] }).arraySync() as number).toBeCloseTo(manual(2, (k) => (k === 0 ? 0.25 : 0.6)), 6)
    expect(focalLoss(t, q, { alpha: 'none', gamma: 0 }).arraySync() as number).toBeCloseTo(manual(0, null), 6)
    tf.dispose([t, q])
  })

  it('clips p so saturated predictions stay finite, and clips eps for empty classes', () => {
    const t = tf.tensor4d([1, 0, 0, 0], [1, 2, 2, 1])
    const q = tf.tensor4d([0, 1, 0, 0], [1, 2, 2, 1])
    const value = focalLoss(t, q).arraySync() as number
    expect(Number.isFinite(value)).toBe(true)
    expect(value).toBeGreaterThan(0)
    const empty = tf.zeros([1, 2, 2, 1])
    expect(balancedEps(empty).arraySync()[0]).toBeCloseTo(0.99, 6)
    tf.dispose([t, q, empty])
  })

  it('rejects mismatched shapes and alpha lengths', () => {
    const t = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D
    const q = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D
    expect(() => focalLoss(t, q)).toThrow(/shapes differ/)
    expect(() => focalLoss(t, t, { alpha: [0.5] })).toThrow(/alpha has 1 entries for 2 classes/)
    tf.dispose([t, q])
  })
})

/** Soft Dice from its definition: 1 - (2 sum(y p) + 1) / (sum y + sum p + 1) per class over the batch (channels last), averaged over the classes with a positive in the batch (0 when none has). */
function referenceDice(y: number[], p: number[], K: number): number {
  const inter = new Array<number>(K).fill(0)
  const ys = new Array<number>(K).fill(0)
  const ps = new Array<number>(K).fill(0)
  y.forEach((t, i) => {
    inter[i % K]! += t * p[i]!
    ys[i % K]! += t
    ps[i % K]! += p[i]!
  })
  const present = ys.flatMap((n, k) => (n > 0 ? [k] : []))
  if (present.length === 0) return 0
  return present.reduce((a, k) => a + (1 - (2 * inter[k]! + 1) / (ys[k]! + ps[k]! + 1)), 0) / present.length
}

/** Mean binary cross-entropy from its definition. */
function referenceCrossEntropy(y: number[], p: number[]): number {
  return y.reduce((a, t, i) => a - (t * Math.log(p[i]!) + (1 - t) * Math.log(1 - p[i]!)), 0) / y.length
}

describe("stage 2's focal + Dice loss", () => {
  /** From the definitions: sum of -eps_t (1 - p_t)^2 log p_t over every element, over max(positives, floor), plus mean per-class soft Dice over the batch. */
  function reference(y: number[], p: number[], K: number, alpha: number, floorShare: number): number {
    let focal = 0
    let positives = 0
    y.forEach((t, i) => {
      const pt = t === 1 ? p[i]! : 1 - p[i]!
      focal += -(t === 1 ? alpha : 1 - alpha) * (1 - pt) ** 2 * Math.log(pt)
      positives += t
    })
    return focal / Math.max(positives, floorShare * y.length) + referenceDice(y, p, K)
  }

  function batch(positiveEvery: number, seed: number): { y: number[]; p: number[] } {
    const n = 2 * 16 * 16 * 3
    const p = Array.from(tf.randomUniform([n], 0.01, 0.99, 'float32', seed).dataSync())
    return { y: Array.from({ length: n }, (_, i) => (i % positiveEvery === 0 ? 1 : 0)), p }
  }

  const opts = { kind: 'focal-dice' as const, gamma: 2, alpha: 0.75, diceWeight: 1 }

  it('divides the focal term by the positives of an ordinary batch', () => {
    const { y, p } = batch(20, 1)
    const value = segmentationLoss(tf.tensor4d(y, [2, 16, 16, 3]), tf.tensor4d(p, [2, 16, 16, 3]), opts).arraySync() as number
    expect(value).toBeCloseTo(reference(y, p, 3, 0.75, POSITIVE_FLOOR), 4)
  })

  it('divides by no fewer than the floor share of elements, so a batch with one positive pixel cannot blow the loss up', () => {
    const { y, p } = batch(100_000, 2)
    expect(y.filter((t) => t === 1)).toHaveLength(1)
    const value = segmentationLoss(tf.tensor4d(y, [2, 16, 16, 3]), tf.tensor4d(p, [2, 16, 16, 3]), opts).arraySync() as number
    expect(value).toBeCloseTo(reference(y, p, 3, 0.75, POSITIVE_FLOOR), 4)
    // Divided by its single positive instead, the same batch's loss would be several times larger.
    expect(reference(y, p, 3, 0.75, 0)).toBeGreaterThan(2 * value)
  })
})

describe("stage 2's cross-entropy + Dice loss (the default)", () => {
  /** From the definitions: mean binary cross-entropy over every element, plus diceWeight x mean per-class soft Dice over the batch. */
  function reference(y: number[], p: number[], K: number, diceWeight: number): number {
    return referenceCrossEntropy(y, p) + diceWeight * referenceDice(y, p, K)
  }

  it.each([1, 0.5])('is the mean cross-entropy plus %s x soft Dice', (diceWeight) => {
    const n = 2 * 16 * 16 * 3
    const p = Array.from(tf.randomUniform([n], 0.01, 0.99, 'float32', 7).dataSync())
    const y = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? 1 : 0))
    const value = segmentationLoss(tf.tensor4d(y, [2, 16, 16, 3]), tf.tensor4d(p, [2, 16, 16, 3]), { kind: 'bce-dice', gamma: 2, alpha: 0.75, diceWeight }).arraySync() as number
    expect(value).toBeCloseTo(reference(y, p, 3, diceWeight), 4)
  })

  it('stays finite where the network is sure and wrong', () => {
    const y = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1])
    const p = tf.tensor4d([0, 1, 1, 0], [1, 2, 2, 1])
    const value = segmentationLoss(y, p, { kind: 'bce-dice', gamma: 2, alpha: 0.75, diceWeight: 1 }).arraySync() as number
    expect(Number.isFinite(value)).toBe(true)
    // Two of four elements at -log(1e-7) each.
    expect(value).toBeGreaterThan(7)
    tf.dispose([y, p])
  })
})

describe('the stage-2 loss from logits (how training calls it)', () => {
  const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))
  const base = { gamma: 2, alpha: 0.75, diceWeight: 1 }

  function logitsBatch(): { y: number[]; z: number[] } {
    const n = 2 * 8 * 8 * 3
    const z = Array.from(tf.randomUniform([n], -8, 8, 'float32', 11).dataSync())
    return { y: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0)), z }
  }

  it('is cross-entropy on the logits plus soft Dice, from the definition', () => {
    const { y, z } = logitsBatch()
    const value = segmentationLossFromLogits(tf.tensor4d(y, [2, 8, 8, 3]), tf.tensor4d(z, [2, 8, 8, 3]), { kind: 'bce-dice', ...base }).arraySync() as number
    const p = z.map(sigmoid)
    expect(value).toBeCloseTo(referenceCrossEntropy(y, p) + referenceDice(y, p, 3), 4)
  })

  it('leaves a class absent from the batch to cross-entropy alone: its gradient is sigmoid(z) / n', () => {
    const { z } = logitsBatch()
    // Positives in channels 0 and 1 only.
    const y = z.map((_, i) => (i % 3 !== 2 && i % 5 === 0 ? 1 : 0))
    const t = tf.tensor4d(y, [2, 8, 8, 3])
    const zt = tf.tensor4d(z, [2, 8, 8, 3])
    const opts = { kind: 'bce-dice' as const, ...base }
    const value = segmentationLossFromLogits(t, zt, opts).arraySync() as number
    const p = z.map(sigmoid)
    expect(value).toBeCloseTo(referenceCrossEntropy(y, p) + referenceDice(y, p, 3), 4)
    const grad = tf.grad((v: tf.Tensor) => segmentationLossFromLogits(t, v as tf.Tensor4D, opts))(zt).dataSync()
    for (let i = 2; i < z.length; i += 3) expect(grad[i]!).toBeCloseTo(p[i]! / z.length, 7)
    // A present class's pixels get Dice's pull as well.
    const i0 = y.findIndex((v, i) => v === 1 && i % 3 === 0 && p[i]! > 0.2 && p[i]! < 0.8)
    expect(Math.abs(grad[i0]! - (p[i0]! - 1) / z.length)).toBeGreaterThan(1e-4)
    tf.dispose([t, zt])
  })

  it('is plain cross-entropy on a batch without positives', () => {
    const { z } = logitsBatch()
    const y = z.map(() => 0)
    const value = segmentationLossFromLogits(tf.tensor4d(y, [2, 8, 8, 3]), tf.tensor4d(z, [2, 8, 8, 3]), { kind: 'bce-dice', ...base }).arraySync() as number
    expect(value).toBeCloseTo(referenceCrossEntropy(y, z.map(sigmoid)), 5)
  })

  it.each(['focal-dice', 'focal-batch'] as const)('gives %s the same value as on the probabilities', (kind) => {
    const { y, z } = logitsBatch()
    const t = tf.tensor4d(y, [2, 8, 8, 3])
    const zt = tf.tensor4d(z, [2, 8, 8, 3])
    const fromLogits = segmentationLossFromLogits(t, zt, { kind, ...base }).arraySync() as number
    const fromProbs = segmentationLoss(t, tf.sigmoid(zt), { kind, ...base }).arraySync() as number
    expect(fromLogits).toBeCloseTo(fromProbs, 5)
  })

  it('still pulls a positive pixel up when its sigmoid has saturated at 0', () => {
    // One positive pixel whose logit is -30 (p = 9e-14), among negatives at -30 too.
    const y = tf.tensor4d([1, 0, 0, 0], [1, 2, 2, 1])
    const z = tf.tensor4d([-30, -30, -30, -30], [1, 2, 2, 1])
    const opts = { kind: 'bce-dice' as const, ...base, diceWeight: 0 }
    const fromLogits = tf.grad((v: tf.Tensor) => segmentationLossFromLogits(y, v as tf.Tensor4D, opts))(z).arraySync() as number[][][][]
    // d/dz of the mean cross-entropy is (p - y) / n: -1/4 for the positive.
    expect(fromLogits[0]![0]![0]![0]!).toBeCloseTo(-0.25, 5)
    // On clipped probabilities the same pixel gets no gradient at all: why training uses logits.
    const fromProbs = tf.grad((v: tf.Tensor) => segmentationLoss(y, tf.sigmoid(v) as tf.Tensor4D, opts))(z).arraySync() as number[][][][]
    expect(Math.abs(fromProbs[0]![0]![0]![0]!)).toBeLessThan(1e-6)
    tf.dispose([y, z])
  })

  /** From its definition: per class, softplus(z) over background elements with z >= 0, over max(the class's positives, floor x its elements); mean over classes. */
  function referenceHardNegatives(y: number[], z: number[], K: number): number {
    const fired = new Array<number>(K).fill(0)
    const positives = new Array<number>(K).fill(0)
    y.forEach((t, i) => {
      positives[i % K]! += t
      if (t === 0 && z[i]! >= 0) fired[i % K]! += Math.log(1 + Math.exp(z[i]!))
    })
    const perClass = y.length / K
    return fired.reduce((a, f, k) => a + f / Math.max(positives[k]!, POSITIVE_FLOOR * perClass), 0) / K
  }

  it('adds the confident false positives, each weighed against its class positives, from the definition', () => {
    const { y, z } = logitsBatch()
    const t = tf.tensor4d(y, [2, 8, 8, 3])
    const zt = tf.tensor4d(z, [2, 8, 8, 3])
    expect(hardNegativeLoss(t, zt).arraySync() as number).toBeCloseTo(referenceHardNegatives(y, z, 3), 4)
    const value = segmentationLossFromLogits(t, zt, { kind: 'bce-dice', ...base, hardNegativeWeight: 0.5 }).arraySync() as number
    const p = z.map(sigmoid)
    expect(value).toBeCloseTo(referenceCrossEntropy(y, p) + referenceDice(y, p, 3) + 0.5 * referenceHardNegatives(y, z, 3), 4)
    tf.dispose([t, zt])
  })

  it('pulls a fired background pixel down like a missed positive, and leaves the unfired ones to cross-entropy', () => {
    // One class without positives in the batch: its fired pixel's term is divided by the floor.
    const n = 4 * 16 * 16
    const z = Array.from({ length: n }, (_, i) => (i === 5 ? 3 : i === 9 ? -3 : -6))
    const y = z.map(() => 0)
    const t = tf.tensor4d(y, [4, 16, 16, 1])
    const zt = tf.tensor4d(z, [4, 16, 16, 1])
    const grad = tf.grad((v: tf.Tensor) => segmentationLossFromLogits(t, v as tf.Tensor4D, { kind: 'bce-dice', ...base, hardNegativeWeight: 1 }))(zt).dataSync()
    expect(grad[5]!).toBeCloseTo(sigmoid(3) / n + sigmoid(3) / (POSITIVE_FLOOR * n), 6)
    expect(grad[9]!).toBeCloseTo(sigmoid(-3) / n, 8)
    // Against cross-entropy's 1/n alone, hundreds of times the pull.
    expect(grad[5]! / (sigmoid(3) / n)).toBeGreaterThan(400)
    tf.dispose([t, zt])
  })
})
