import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from './select'
import { gradParity, relativeError, type InputSpec } from './parity'

/**
 * Every op the ML engine trains through: value and gradients on wasm must
 * match cpu. A missing wasm kernel shows up here as a thrown
 * "Kernel '...' not registered for backend 'wasm'".
 */

const TOL = 1e-4
type Op = (...xs: tf.Tensor[]) => tf.Tensor
const t4 = (t: tf.Tensor): tf.Tensor4D => t as tf.Tensor4D
const pos: Partial<InputSpec> = { min: 0.5, max: 2 }

beforeAll(async () => {
  expect((await initBackend({ prefer: 'wasm', env: {} })).name).toBe('wasm')
  await tf.setBackend('cpu')
  await tf.setBackend('wasm')
})

const convCases: [string, Op, InputSpec[]][] = []
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    for (const k of [1, 3]) {
      const tag = `stride ${stride} ${pad} ${k}x${k}`
      convCases.push(
        [`conv2d ${tag}`, (x, w) => tf.conv2d(t4(x!), t4(w!), stride, pad), [{ shape: [2, 7, 6, 3] }, { shape: [k, k, 3, 4] }]],
        [
          `conv2d + bias + relu (fused op) ${tag}`,
          (x, w, b) => tf.fused.conv2d({ x: t4(x!), filter: t4(w!), bias: b!, activation: 'relu', strides: stride, pad }),
          [{ shape: [2, 7, 6, 3] }, { shape: [k, k, 3, 4] }, { shape: [4] }]
        ],
        [`depthwiseConv2d ${tag}`, (x, w) => tf.depthwiseConv2d(t4(x!), t4(w!), stride, pad), [{ shape: [2, 7, 6, 3] }, { shape: [k, k, 3, 2] }]],
        [
          `conv2dTranspose ${tag}`,
          (x, w) => {
            const outShape: [number, number, number, number] = pad === 'same' ? [2, 5 * stride, 4 * stride, 3] : [2, (5 - 1) * stride + k, (4 - 1) * stride + k, 3]
            return tf.conv2dTranspose(t4(x!), t4(w!), outShape, stride, pad)
          },
          [{ shape: [2, 5, 4, 4] }, { shape: [k, k, 3, 4] }]
        ]
      )
    }
  }
}
for (const d of [1, 2]) {
  convCases.push(
    [`conv2d dilation ${d} same 3x3`, (x, w) => tf.conv2d(t4(x!), t4(w!), 1, 'same', 'NHWC', d), [{ shape: [2, 9, 8, 3] }, { shape: [3, 3, 3, 4] }]],
    [`conv2d dilation ${d} valid 3x3`, (x, w) => tf.conv2d(t4(x!), t4(w!), 1, 'valid', 'NHWC', d), [{ shape: [2, 9, 8, 3] }, { shape: [3, 3, 3, 4] }]],
    [`depthwiseConv2d dilation ${d} same 3x3`, (x, w) => tf.depthwiseConv2d(t4(x!), t4(w!), 1, 'same', 'NHWC', d), [{ shape: [2, 9, 8, 3] }, { shape: [3, 3, 3, 2] }]]
  )
}
convCases.push([
  'separableConv2d',
  (x, dw, pw) => tf.separableConv2d(t4(x!), t4(dw!), t4(pw!), 1, 'same'),
  [{ shape: [2, 6, 6, 3] }, { shape: [3, 3, 3, 2] }, { shape: [1, 1, 6, 4] }]
])

const img = { shape: [2, 6, 6, 3] }
const opCases: [string, Op, InputSpec[]][] = [
  ['maxPool 2x2 stride 2', (x) => tf.maxPool(t4(x!), 2, 2, 'valid'), [img]],
  ['maxPool 2x2 stride 2, odd sizes', (x) => tf.maxPool(t4(x!), 2, 2, 'valid'), [{ shape: [2, 7, 5, 3] }]],
  ['maxPool 2x2 stride 2 same, odd sizes', (x) => tf.maxPool(t4(x!), 2, 2, 'same'), [{ shape: [2, 7, 5, 3] }]],
  // ReLU outputs: whole windows of equal zeros, where only the first may take the gradient.
  ['maxPool 2x2 stride 2 of ReLU outputs (ties)', (x) => tf.maxPool(tf.relu(t4(x!)), 2, 2, 'valid'), [{ shape: [2, 8, 8, 5], min: -1, max: 0.3 }]],
  ['maxPool 2x2 stride 2, U-Net size', (x) => tf.maxPool(t4(x!), 2, 2, 'valid'), [{ shape: [8, 128, 128, 8] }]],
  ['maxPool 3x3 stride 1 same', (x) => tf.maxPool(t4(x!), 3, 1, 'same'), [img]],
  ['maxPool 3x3 stride 2 same', (x) => tf.maxPool(t4(x!), 3, 2, 'same'), [{ shape: [2, 7, 7, 2] }]],
  ['avgPool 2x2 stride 2', (x) => tf.avgPool(t4(x!), 2, 2, 'valid'), [img]],
  ['avgPool 3x3 stride 1 same', (x) => tf.avgPool(t4(x!), 3, 1, 'same'), [img]],
  ['resizeBilinear x2', (x) => tf.image.resizeBilinear(t4(x!), [12, 12]), [img]],
  ['resizeBilinear x2 half-pixel', (x) => tf.image.resizeBilinear(t4(x!), [12, 12], false, true), [img]],
  ['resizeBilinear x2 half-pixel, odd and non-square', (x) => tf.image.resizeBilinear(t4(x!), [10, 14], false, true), [{ shape: [2, 5, 7, 4] }]],
  ['resizeBilinear x2 half-pixel, one pixel', (x) => tf.image.resizeBilinear(t4(x!), [2, 2], false, true), [{ shape: [1, 1, 1, 2] }]],
  ['resizeBilinear x2 half-pixel, U-Net decoder size', (x) => tf.image.resizeBilinear(t4(x!), [128, 128], false, true), [{ shape: [8, 64, 64, 16] }]],
  ['resizeBilinear x2 in one axis only, half-pixel', (x) => tf.image.resizeBilinear(t4(x!), [12, 7], false, true), [img]],
  ['resizeBilinear align corners', (x) => tf.image.resizeBilinear(t4(x!), [11, 9], true), [img]],
  ['resizeBilinear down', (x) => tf.image.resizeBilinear(t4(x!), [4, 3]), [img]],
  ['resizeNearestNeighbor x2', (x) => tf.image.resizeNearestNeighbor(t4(x!), [12, 12]), [img]],
  ['resizeNearestNeighbor half-pixel', (x) => tf.image.resizeNearestNeighbor(t4(x!), [12, 12], false, true), [img]],
  [
    'batchNorm',
    (x, m, v, o, s) => tf.batchNorm(x!, m!, v!, o!, s!, 1e-3),
    [img, { shape: [3] }, { shape: [3], ...pos }, { shape: [3] }, { shape: [3] }]
  ],
  [
    'moments-based normalisation',
    (x) => {
      const { mean, variance } = tf.moments(x!, [0, 1, 2], true)
      return tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, 1e-3)))
    },
    [img]
  ],
  ['relu', (x) => tf.relu(x!), [{ shape: [5, 7] }]],
  ['relu6', (x) => tf.relu6(tf.mul(x!, 8)), [{ shape: [5, 7] }]],
  ['leakyRelu', (x) => tf.leakyRelu(x!, 0.2), [{ shape: [5, 7] }]],
  ['prelu', (x, a) => tf.prelu(x!, a!), [{ shape: [5, 7] }, { shape: [7] }]],
  ['elu', (x) => tf.elu(x!), [{ shape: [5, 7] }]],
  ['selu', (x) => tf.selu(x!), [{ shape: [5, 7] }]],
  ['sigmoid', (x) => tf.sigmoid(x!), [{ shape: [5, 7] }]],
  ['tanh', (x) => tf.tanh(x!), [{ shape: [5, 7] }]],
  ['softplus', (x) => tf.softplus(x!), [{ shape: [5, 7] }]],
  ['concat channels', (a, b) => tf.concat([a!, b!], 3), [{ shape: [2, 3, 3, 2] }, { shape: [2, 3, 3, 4] }]],
  ['concat rows', (a, b) => tf.concat([a!, b!], 1), [{ shape: [2, 3, 3, 2] }, { shape: [2, 1, 3, 2] }]],
  ['stack / unstack', (a, b) => tf.stack([a!, ...tf.unstack(b!, 1)], 1), [{ shape: [2, 3] }, { shape: [2, 2, 3] }]],
  ['split', (x) => tf.mul(tf.split(x!, [1, 2], 1)[1]!, 3), [{ shape: [2, 3, 4] }]],
  ['mean all', (x) => tf.mean(x!), [{ shape: [2, 3, 4] }]],
  ['mean axes', (x) => tf.mean(x!, [1, 2]), [{ shape: [2, 3, 3, 2] }]],
  ['sum axis 0', (x) => tf.sum(x!, 0), [{ shape: [2, 3, 4] }]],
  ['sum keepDims', (x) => tf.sum(x!, -1, true), [{ shape: [2, 3, 4] }]],
  ['max axes', (x) => tf.max(x!, [1, 2]), [{ shape: [2, 3, 3, 2] }]],
  ['min axis', (x) => tf.min(x!, 1), [{ shape: [2, 3, 4] }]],
  ['softmax', (x) => tf.softmax(x!), [{ shape: [4, 5] }]],
  ['logSoftmax', (x) => tf.logSoftmax(x!), [{ shape: [4, 5] }]],
  ['mul broadcast', (a, b) => tf.mul(a!, b!), [{ shape: [2, 3, 4] }, { shape: [3, 1] }]],
  ['add broadcast', (a, b) => tf.add(a!, b!), [{ shape: [2, 3, 4] }, { shape: [4] }]],
  ['sub broadcast', (a, b) => tf.sub(a!, b!), [{ shape: [2, 3, 4] }, { shape: [1, 4] }]],
  ['div broadcast', (a, b) => tf.div(a!, b!), [{ shape: [2, 3, 4] }, { shape: [3, 1], ...pos }]],
  ['squaredDifference', (a, b) => tf.squaredDifference(a!, b!), [{ shape: [3, 4] }, { shape: [3, 4] }]],
  ['maximum / minimum', (a, b) => tf.add(tf.maximum(a!, b!), tf.minimum(a!, b!)), [{ shape: [3, 4] }, { shape: [3, 4] }]],
  ['pad', (x) => tf.pad(x!, [[0, 0], [1, 2], [2, 1]]), [{ shape: [2, 3, 4] }]],
  ['pad with value', (x) => tf.pad(x!, [[1, 0], [0, 2]], 3), [{ shape: [3, 4] }]],
  ['mirrorPad', (x) => tf.mirrorPad(x!, [[0, 0], [1, 1], [1, 1]], 'reflect'), [{ shape: [2, 3, 4] }]],
  ['slice', (x) => tf.slice(x!, [0, 1, 1], [2, 2, 2]), [{ shape: [2, 3, 4] }]],
  ['transpose', (x) => tf.transpose(x!, [2, 0, 1]), [{ shape: [2, 3, 4] }]],
  ['reshape', (x) => tf.reshape(x!, [6, 4]), [{ shape: [2, 3, 4] }]],
  ['tile', (x) => tf.tile(x!, [2, 3]), [{ shape: [2, 3] }]],
  ['gather', (x) => tf.gather(x!, tf.tensor1d([0, 2, 1, 2], 'int32')), [{ shape: [3, 4] }]],
  ['reverse', (x) => tf.reverse(x!, 1), [{ shape: [2, 3] }]],
  ['matMul', (a, b) => tf.matMul(a!, b!), [{ shape: [3, 4] }, { shape: [4, 5] }]],
  ['matMul transposed', (a, b) => tf.matMul(a!, b!, true, true), [{ shape: [4, 3] }, { shape: [5, 4] }]],
  ['batched matMul', (a, b) => tf.matMul(a!, b!), [{ shape: [2, 3, 4] }, { shape: [2, 4, 5] }]],
  ['exp', (x) => tf.exp(x!), [{ shape: [5] }]],
  ['log', (x) => tf.log(x!), [{ shape: [5], ...pos }]],
  ['log1p', (x) => tf.log1p(x!), [{ shape: [5], ...pos }]],
  ['sqrt', (x) => tf.sqrt(x!), [{ shape: [5], ...pos }]],
  ['rsqrt', (x) => tf.rsqrt(x!), [{ shape: [5], ...pos }]],
  ['pow', (a, b) => tf.pow(a!, b!), [{ shape: [5], ...pos }, { shape: [5] }]],
  ['pow scalar exponent', (a) => tf.pow(a!, 3), [{ shape: [5] }]],
  ['square', (x) => tf.square(x!), [{ shape: [5] }]],
  ['abs / neg', (x) => tf.neg(tf.abs(x!)), [{ shape: [5] }]],
  ['reciprocal', (x) => tf.reciprocal(x!), [{ shape: [5], ...pos }]],
  ['clipByValue', (x) => tf.clipByValue(x!, -0.5, 0.5), [{ shape: [5, 7] }]],
  ['where', (a, b) => tf.where(tf.tensor1d([true, false, true, true, false], 'bool'), a!, b!), [{ shape: [5] }, { shape: [5] }]],
  ['erf', (x) => tf.erf(x!), [{ shape: [5] }]],
  ['cumsum', (x) => tf.cumsum(x!, 1), [{ shape: [2, 3] }]],
  ['logSumExp', (x) => tf.logSumExp(x!, 1), [{ shape: [3, 4] }]],
  ['oneHot loss', (x) => tf.mul(x!, tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 4, 1, 0, 'float32')), [{ shape: [3, 4] }]],
  ['sigmoid cross-entropy loss', (x, y) => tf.losses.sigmoidCrossEntropy(tf.step(y!), x!), [{ shape: [4, 3] }, { shape: [4, 3] }]],
  ['mean squared error loss', (x, y) => tf.losses.meanSquaredError(y!, x!), [{ shape: [4, 3] }, { shape: [4, 3] }]],
  ['dropout rate 0', (x) => tf.dropout(x!, 0), [{ shape: [4] }]],
  ['cast', (x) => tf.cast(x!, 'float32'), [{ shape: [4] }]]
]

describe('gradients of convolution ops: wasm vs cpu', () => {
  it.each(convCases.map(([n, f, s]) => [n, f, s] as const))('%s', async (_, f, shapes) => {
    const r = await gradParity(f, shapes)
    expect(r.perOutput).toHaveLength(shapes.length + 1)
    expect(r.relErr).toBeLessThan(TOL)
  })
})

describe('gradients of the other ops: wasm vs cpu', () => {
  it.each(opCases.map(([n, f, s]) => [n, f, s] as const))('%s', async (_, f, shapes) => {
    const r = await gradParity(f, shapes)
    expect(r.relErr).toBeLessThan(TOL)
  })
})

/**
 * Independent of any reference backend: for an op linear in x,
 * <f(x), dy> must equal <x, df/dx(dy)>. This is what exposed the cpu
 * backend's wrong ResizeNearestNeighborGrad for batches > 1.
 */
const linearCases: [string, (x: tf.Tensor4D) => tf.Tensor, [number, number, number, number]][] = [
  ['resizeNearestNeighbor x2, batch 2', (x) => tf.image.resizeNearestNeighbor(x, [12, 10]), [2, 6, 5, 3]],
  ['resizeNearestNeighbor half-pixel, batch 3', (x) => tf.image.resizeNearestNeighbor(x, [9, 7], false, true), [3, 6, 5, 2]],
  ['resizeNearestNeighbor align corners', (x) => tf.image.resizeNearestNeighbor(x, [11, 9], true), [2, 6, 5, 2]],
  ['resizeBilinear half-pixel, batch 2', (x) => tf.image.resizeBilinear(x, [12, 10], false, true), [2, 6, 5, 3]],
  ['avgPool 3x3 stride 2 same', (x) => tf.avgPool(x, 3, 2, 'same'), [2, 7, 7, 2]],
  ['conv2d stride 2 same', (x) => tf.conv2d(x, tf.range(0, 54).reshape([3, 3, 3, 2]).div(50) as tf.Tensor4D, 2, 'same'), [2, 7, 6, 3]],
  ['conv2d dilation 2 same', (x) => tf.conv2d(x, tf.range(0, 54).reshape([3, 3, 3, 2]).div(50) as tf.Tensor4D, 1, 'same', 'NHWC', 2), [2, 9, 8, 3]],
  ['depthwiseConv2d dilation 2 valid', (x) => tf.depthwiseConv2d(x, tf.range(0, 54).reshape([3, 3, 3, 2]).div(50) as tf.Tensor4D, 1, 'valid', 'NHWC', 2), [2, 9, 8, 3]],
  ['depthwiseConv2d stride 2 same', (x) => tf.depthwiseConv2d(x, tf.range(0, 27).reshape([3, 3, 3, 1]).div(20) as tf.Tensor4D, 2, 'same'), [2, 7, 8, 3]]
]

describe('adjoint identity <f(x), dy> = <x, grad(dy)> on both backends', () => {
  for (const backend of ['wasm', 'cpu']) {
    it.each(linearCases.map(([n, f, s]) => [n, f, s] as const))(`${backend}: %s`, async (_, f, shape) => {
      await tf.setBackend(backend)
      try {
        const [lhs, rhs] = tf.tidy(() => {
          const x = tf.randomNormal(shape, 0, 1, 'float32', 3) as tf.Tensor4D
          const y = f(x)
          const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 4)
          const gx = tf.grad((a: tf.Tensor) => f(a as tf.Tensor4D))(x, dy)
          return [tf.sum(tf.mul(y, dy)), tf.sum(tf.mul(x, gx))]
        })
        const l = (await lhs!.data())[0]!
        const r = (await rhs!.data())[0]!
        tf.dispose([lhs!, rhs!])
        expect(Math.abs(l - r)).toBeLessThan(1e-4 * Math.max(1, Math.abs(l)))
      } finally {
        await tf.setBackend('wasm')
      }
    })
  }
})

describe('a tf.layers model', () => {
  async function fitLosses(backend: string): Promise<number[]> {
    await tf.setBackend(backend)
    const seeded = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    const m = tf.sequential()
    m.add(tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', ...seeded(1) }))
    m.add(tf.layers.batchNormalization())
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
    m.add(
      tf.layers.separableConv2d({
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        pointwiseInitializer: tf.initializers.glorotUniform({ seed: 3 })
      })
    )
    m.add(tf.layers.upSampling2d({ size: [2, 2] }))
    m.add(tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 1, padding: 'same', ...seeded(4) }))
    m.add(tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid', ...seeded(5) }))
    m.compile({ optimizer: tf.train.adam(1e-2), loss: 'binaryCrossentropy' })
    const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 7)
    const y = tf.tidy(() => tf.randomUniform([4, 16, 16, 1], 0, 1, 'float32', 8).round())
    const h = await m.fit(x, y, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 })
    tf.dispose([x, y])
    m.dispose()
    await tf.setBackend('wasm')
    return h.history.loss as number[]
  }

  it('trains on wasm exactly as on cpu (conv, batch norm, pooling, separable, upsampling, transpose)', async () => {
    const wasm = await fitLosses('wasm')
    const cpu = await fitLosses('cpu')
    expect(wasm).toHaveLength(3)
    expect(relativeError(wasm, cpu)).toBeLessThan(TOL)
    expect(wasm[2]!).toBeLessThan(wasm[0]!)
  })
})

describe('the parity helper itself', () => {
  it('catches a difference between the backends', async () => {
    const r = await gradParity((x) => (tf.getBackend() === 'wasm' ? tf.mul(x!, 1.01) : tf.mul(x!, 1)), [{ shape: [4] }])
    expect(r.relErr).toBeGreaterThan(TOL)
  })
  it('measures error relative to the largest reference value', () => {
    expect(relativeError([1, 2, 4.1], [1, 2, 4])).toBeCloseTo(0.025, 6)
    expect(relativeError([0, 0], [0, 0])).toBe(0)
    expect(relativeError([1], [0])).toBe(Number.POSITIVE_INFINITY)
    expect(relativeError([1, 2], [1])).toBe(Number.POSITIVE_INFINITY)
    expect(relativeError([Number.NaN], [1])).toBe(Number.POSITIVE_INFINITY)
  })
})
