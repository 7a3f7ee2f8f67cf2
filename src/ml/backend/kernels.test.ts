import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from './select'
import { CPU_FIXED_KERNELS, WASM_TRAINING_KERNELS } from './registerKernels'
import { gradParity, kernelParity, relativeError, seededRandom, type InputSpec } from './parity'

const TOL = 1e-4

beforeAll(async () => {
  const report = await initBackend({ prefer: 'wasm', env: {} })
  expect(report.name).toBe('wasm')
  // The reference backend must be initialised too.
  await tf.setBackend('cpu')
  await tf.setBackend('wasm')
})

interface ConvCase {
  x: [number, number, number, number]
  k: number
  cout: number
  stride: number | [number, number]
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]]
}

function outSize(x: ConvCase['x'], c: ConvCase, depthwiseMult?: number): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(
    x,
    [c.k, c.k, x[3], depthwiseMult ?? c.cout],
    c.stride,
    1,
    c.pad,
    undefined,
    depthwiseMult !== undefined
  )
  return info.outShape
}

const CONV_CASES: ConvCase[] = []
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    for (const k of [1, 3]) {
      CONV_CASES.push({ x: [2, 7, 6, 3], k, cout: 4, stride, pad })
    }
  }
}
CONV_CASES.push(
  { x: [1, 9, 8, 2], k: 4, cout: 3, stride: 3, pad: 'same' },
  { x: [2, 8, 8, 2], k: 5, cout: 2, stride: [2, 1], pad: 'valid' },
  { x: [1, 6, 7, 3], k: 3, cout: 2, stride: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [1, 7, 7, 2], k: 3, cout: 2, stride: 2, pad: [[0, 0], [0, 2], [2, 1], [0, 0]] }
)

const label = (c: ConvCase): string => `x=[${c.x}] k=${c.k} stride=${JSON.stringify(c.stride)} pad=${JSON.stringify(c.pad)}`

describe('Conv2DBackpropFilter on wasm matches cpu', () => {
  it.each(CONV_CASES.map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const dyShape = outSize(c.x, c)
    const r = await kernelParity(
      tf.Conv2DBackpropFilter,
      { x: { shape: c.x }, dy: { shape: dyShape } },
      { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.x[3], c.cout] }
    )
    expect(r.relErr).toBeLessThan(TOL)
  })
})

/**
 * Plain-JS references for a 3x3 'same' stride-1 convolution's gradients,
 * written from the definition y[b,p,q,o] = sum x[b, p+i-1, q+j-1, c] w[i,j,c,o]
 * and summed in float64. The cpu backend would do, but takes minutes per
 * case at these sizes.
 */
function sameConvGrads(x: Float32Array, dy: Float32Array, w: Float32Array, [b, h, wd, c]: [number, number, number, number], co: number): { dw: Float64Array; dx: Float64Array } {
  const dw = new Float64Array(9 * c * co)
  const dx = new Float64Array(b * h * wd * c)
  for (let n = 0; n < b; n++) {
    for (let p = 0; p < h; p++) {
      for (let q = 0; q < wd; q++) {
        const d0 = ((n * h + p) * wd + q) * co
        for (let i = 0; i < 3; i++) {
          const r = p + i - 1
          if (r < 0 || r >= h) continue
          for (let j = 0; j < 3; j++) {
            const s = q + j - 1
            if (s < 0 || s >= wd) continue
            const x0 = ((n * h + r) * wd + s) * c
            const w0 = (i * 3 + j) * c * co
            for (let k = 0; k < c; k++) {
              const xv = x[x0 + k]!
              let acc = 0
              const wk = w0 + k * co
              for (let o = 0; o < co; o++) {
                const g = dy[d0 + o]!
                dw[wk + o] = dw[wk + o]! + xv * g
                acc += w[wk + o]! * g
              }
              dx[x0 + k] = dx[x0 + k]! + acc
            }
          }
        }
      }
    }
  }
  return { dw, dx }
}

function seededArray(n: number, seed: number, lo: number, hi: number): Float32Array {
  const rnd = seededRandom(seed)
  const a = new Float32Array(n)
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd()
  return a
}

/**
 * The U-Net's own layers (3x3, 'same', stride 1) at training size: batch 8 at
 * 256 with the level's width, down to 128 channels at 32, plus odd sizes.
 * The filter gradient sums over the whole batch (half a million terms per
 * weight at 256), so this also shows the summation order stays within
 * tolerance. x is non-negative, like the ReLU outputs these layers see.
 */
const UNET_CASES: { x: [number, number, number, number]; cout: number }[] = [
  { x: [8, 256, 256, 8], cout: 8 },
  { x: [8, 128, 128, 16], cout: 16 },
  { x: [8, 64, 64, 32], cout: 16 },
  { x: [8, 32, 32, 128], cout: 64 },
  { x: [3, 37, 29, 12], cout: 20 },
  { x: [1, 255, 17, 5], cout: 7 },
  { x: [8, 33, 31, 9], cout: 8 }
]

describe('convolution gradients at the U-Net training shapes match a plain-JS reference', () => {
  it.each(UNET_CASES.map((c) => [`x=[${c.x}] -> ${c.cout} channels`, c] as const))('%s', async (_, c) => {
    await tf.setBackend('wasm')
    const [b, h, w, ci] = c.x
    const dyShape: [number, number, number, number] = [b, h, w, c.cout]
    const xv = seededArray(b * h * w * ci, 1, 0, 1)
    const dyv = seededArray(b * h * w * c.cout, 2, -1, 1)
    const wv = seededArray(9 * ci * c.cout, 3, -1, 1)
    const ref = sameConvGrads(xv, dyv, wv, c.x, c.cout)
    const [x, dy, filter] = [tf.tensor4d(xv, c.x), tf.tensor4d(dyv, dyShape), tf.tensor4d(wv, [3, 3, ci, c.cout])]
    try {
      const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, ci, c.cout] } as unknown as tf.NamedAttrMap) as tf.Tensor
      const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor
      expect(dw.shape).toEqual([3, 3, ci, c.cout])
      expect(dx.shape).toEqual(c.x)
      expect(relativeError(await dw.data(), ref.dw)).toBeLessThan(TOL)
      expect(relativeError(await dx.data(), ref.dx)).toBeLessThan(TOL)
      tf.dispose([dw, dx])
    } finally {
      tf.dispose([x, dy, filter])
    }
  })
})

describe('Conv2DBackpropInput on wasm matches cpu', () => {
  it.each(CONV_CASES.map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const r = await kernelParity(
      tf.Conv2DBackpropInput,
      { dy: { shape: outSize(c.x, c) }, filter: { shape: [c.k, c.k, c.x[3], c.cout] } },
      { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x }
    )
    expect(r.relErr).toBeLessThan(TOL)
  })
})

describe('depthwise backprop kernels on wasm match cpu', () => {
  const cases = CONV_CASES.filter((c) => typeof c.stride === 'number' || c.stride[0] === c.stride[1])
  for (const mult of [1, 2]) {
    it.each(cases.map((c) => [label(c), c] as const))(`filter, multiplier ${mult}: %s`, async (_, c) => {
      const r = await kernelParity(
        tf.DepthwiseConv2dNativeBackpropFilter,
        { x: { shape: c.x }, dy: { shape: outSize(c.x, c, mult) } },
        { strides: c.stride, pad: c.pad, dilations: 1, filterShape: [c.k, c.k, c.x[3], mult] }
      )
      expect(r.relErr).toBeLessThan(TOL)
    })
    it.each(cases.map((c) => [label(c), c] as const))(`input, multiplier ${mult}: %s`, async (_, c) => {
      const r = await kernelParity(
        tf.DepthwiseConv2dNativeBackpropInput,
        { dy: { shape: outSize(c.x, c, mult) }, filter: { shape: [c.k, c.k, c.x[3], mult] } },
        { strides: c.stride, pad: c.pad, dilations: 1, inputShape: c.x }
      )
      expect(r.relErr).toBeLessThan(TOL)
    })
  }
})

describe('slicing kernels on wasm match cpu', () => {
  const sliceCases: [number[], number[], number[]][] = [
    [[7], [2], [4]],
    [[5, 6], [1, 2], [3, 3]],
    [[5, 6], [2, 0], [3, 6]],
    [[3, 4, 5], [1, 0, 2], [2, 4, 2]],
    [[2, 5, 4, 3], [1, 1, 0, 0], [1, 3, 4, 3]],
    [[2, 5, 4, 3], [0, 1, 1, 1], [2, 3, 2, 1]],
    [[2, 3, 2, 3, 2], [1, 0, 1, 1, 0], [1, 3, 1, 2, 2]],
    [[4, 4], [0, 0], [0, 4]]
  ]
  it.each(sliceCases)('Slice of [%s] at %s size %s', async (shape, begin, size) => {
    const r = await kernelParity(tf.Slice, { x: { shape } }, { begin, size })
    expect(r.relErr).toBe(0)
  })
  it('Slice of int32', async () => {
    const r = await kernelParity(tf.Slice, { x: { shape: [4, 5], dtype: 'int32', min: -50, max: 50 } }, { begin: [1, 1], size: [2, 3] })
    expect(r.relErr).toBe(0)
  })
  it.each([
    [[4, 6, 5], [2, 3, 1], 1],
    [[4, 6, 5], 5, 2],
    [[6, 2], [1, 5], 0]
  ] as [number[], number | number[], number][])('SplitV of [%s] into %s on axis %s', async (shape, splits, axis) => {
    const r = await kernelParity(tf.SplitV, { x: { shape } }, { numOrSizeSplits: splits, axis })
    expect(r.perOutput.length).toBe(Array.isArray(splits) ? splits.length : splits)
    expect(r.relErr).toBe(0)
  })
  it.each([
    [[[2, 5, 4, 3], [2, 5, 4, 5]], 3],
    [[[2, 5, 4, 64], [2, 5, 4, 60]], -1],
    [[[2, 3, 4], [2, 1, 4], [2, 2, 4]], 1],
    [[[1, 6], [3, 6]], 0],
    [[[2, 0, 3], [2, 2, 3]], 1],
    [[[4], [5]], 0]
  ] as [number[][], number][])('Concat of %j on axis %s', async (shapes, axis) => {
    // Through the op: kernels take the inputs as a list, which kernelParity's named map is not. The gradient splits it again.
    const r = await gradParity((...xs) => tf.concat(xs, axis), shapes.map((shape) => ({ shape })))
    expect(r.relErr).toBe(0)
  })
  it('Concat of int32', async () => {
    await tf.setBackend('wasm')
    const t = tf.tidy(() => tf.concat([tf.tensor2d([1, -2, 3, 4, 5, -6], [3, 2], 'int32'), tf.tensor2d([7, 8, 9], [3, 1], 'int32')], 1))
    expect(t.dtype).toBe('int32')
    expect(Array.from(await t.data())).toEqual([1, -2, 7, 3, 4, 8, 5, -6, 9])
    t.dispose()
  })
  it.each([
    [[3, 4, 2], 0],
    [[3, 4, 2], 1],
    [[3, 4, 2], 2]
  ] as [number[], number][])('Unpack of [%s] on axis %s', async (shape, axis) => {
    const r = await kernelParity(tf.Unpack, { value: { shape } }, { axis })
    expect(r.perOutput.length).toBe(shape[axis])
    expect(r.relErr).toBe(0)
  })
})

describe('Tile on wasm matches cpu', () => {
  it.each([
    [[1, 1, 1, 5], [2, 3, 4, 1]],
    [[2, 3], [3, 2]],
    [[2, 1, 3], [1, 4, 2]],
    [[3], [1]],
    [[2, 2, 2], [2, 1, 3]],
    [[1, 4, 1, 2], [3, 1, 5, 2]],
    [[0, 3], [2, 2]]
  ] as [number[], number[]][])('Tile of [%s] by %s', async (shape, reps) => {
    const r = await kernelParity(tf.Tile, { x: { shape } }, { reps })
    expect(r.relErr).toBe(0)
  })
  it('Tile of int32', async () => {
    const r = await kernelParity(tf.Tile, { x: { shape: [2, 3], dtype: 'int32', min: -50, max: 50 } }, { reps: [2, 2] })
    expect(r.relErr).toBe(0)
  })
})

describe('Identity on wasm shares the buffer', () => {
  it('keeps the values after the original is disposed, and frees the buffer with the last reference', async () => {
    await tf.setBackend('wasm')
    const buffers = (): number => tf.backend().numDataIds()
    const before = buffers()
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3])
    const y = tf.clone(x)
    expect(buffers() - before).toBe(1)
    x.dispose()
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6])
    expect(buffers() - before).toBe(1)
    y.dispose()
    expect(buffers()).toBe(before)
  })
  it('int32 and bool keep their dtype', async () => {
    await tf.setBackend('wasm')
    for (const [dtype, values] of [
      ['int32', [-3, 7]],
      ['bool', [1, 0]]
    ] as const) {
      const y = tf.tidy(() => tf.clone(tf.tensor1d([...values], dtype)))
      expect(y.dtype).toBe(dtype)
      expect(Array.from(await y.data())).toEqual([...values])
      y.dispose()
    }
  })
})

describe('OneHot and UnsortedSegmentSum on wasm match cpu', () => {
  const ids: InputSpec = { shape: [6], dtype: 'int32', values: [0, 3, 2, -1, 3, 5] }
  it.each([
    ['float32', 1, 0],
    ['float32', 0.9, 0.025],
    ['int32', 1, 0],
    ['int32', 5, -2]
  ] as const)('OneHot dtype %s on=%s off=%s', async (dtype, onValue, offValue) => {
    const r = await kernelParity(tf.OneHot, { indices: ids }, { depth: 4, onValue, offValue, dtype })
    expect(r.relErr).toBe(0)
  })
  it('OneHot float32 really holds the on value (the stock wasm kernel returned zeros)', async () => {
    const t = tf.oneHot(tf.tensor1d([1, 0], 'int32'), 3, 1, 0, 'float32')
    expect(Array.from(await t.data())).toEqual([0, 1, 0, 1, 0, 0])
    t.dispose()
  })
  it.each([
    [[6], 4],
    [[6, 3], 5],
    [[6, 2, 2], 6]
  ] as [number[], number][])('UnsortedSegmentSum of [%s] into %s segments', async (shape, numSegments) => {
    const r = await kernelParity(tf.UnsortedSegmentSum, { x: { shape }, segmentIds: ids }, { numSegments })
    expect(r.relErr).toBeLessThan(TOL)
  })
})

describe('kernel hygiene', () => {
  it('registers every kernel for wasm, and the fixes for cpu', () => {
    for (const k of WASM_TRAINING_KERNELS) {
      expect(tf.getKernel(k.name, 'wasm')?.kernelFunc).toBe(k.kernelFunc)
    }
    for (const k of CPU_FIXED_KERNELS) {
      expect(tf.getKernel(k.name, 'cpu')?.kernelFunc).toBe(k.kernelFunc)
    }
  })

  it('trains a small encoder-decoder without leaking tensors or buffers', async () => {
    await tf.setBackend('wasm')
    const vars = tf.tidy(() => [
      tf.variable(tf.randomNormal([3, 3, 3, 8], 0, 0.2, 'float32', 1)),
      tf.variable(tf.randomNormal([3, 3, 8, 8], 0, 0.2, 'float32', 2)),
      tf.variable(tf.randomNormal([3, 3, 16, 1], 0, 0.2, 'float32', 3))
    ])
    const [w1, w2, w3] = vars as [tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>]
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D
    const target = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 5) as tf.Tensor4D
    const opt = tf.train.adam(1e-2)
    const net = (): tf.Tensor4D => {
      const a = tf.relu(tf.conv2d(x, w1, 1, 'same'))
      const b = tf.leakyRelu(tf.conv2d(tf.maxPool(a, 2, 2, 'valid'), w2, 2, 'same'), 0.1)
      const up = tf.image.resizeBilinear(tf.image.resizeNearestNeighbor(b, [8, 8]), [16, 16], false, true)
      return tf.sigmoid(tf.conv2d(tf.concat([a, up], 3), w3, 1, 'same', 'NHWC', 2))
    }
    const losses: number[] = []
    const counts: number[] = []
    for (let step = 0; step < 4; step++) {
      const loss = opt.minimize(() => tf.losses.meanSquaredError(target, net()) as tf.Scalar, true, vars)!
      losses.push((await loss.data())[0]!)
      loss.dispose()
      counts.push(tf.memory().numTensors)
    }
    // Adam's moment slots appear on the first step; after that nothing accumulates.
    expect(new Set(counts.slice(1)).size).toBe(1)
    expect(losses[3]!).toBeLessThan(losses[0]!)
    opt.dispose()
    tf.dispose([...vars, x, target])
  })

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm')
    const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D
    const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D
    const dw = tf.randomNormal([3, 3, 3, 2]) as tf.Tensor4D
    const before = tf.memory().numTensors
    for (const stride of [1, 2]) {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'))([x, w])
      const h = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'))([x, dw])
      const s = tf.split(x, 3, 3)
      const u = tf.unstack(x)
      const ids = tf.tensor1d([0, 1], 'int32')
      const o = tf.oneHot(ids, 3, 1, 0, 'float32')
      const seg = tf.unsortedSegmentSum(x, tf.tensor1d([1, 0], 'int32'), 2)
      tf.dispose([...g, ...h, ...s, ...u, ids, o, seg])
    }
    // One leftover per loop: the inline segment ids tensor.
    expect(tf.memory().numTensors).toBe(before + 2)
    tf.dispose([x, w, dw])
  })

  it('frees the heap buffers of its intermediate steps (equal-part concat and split, spatial sums)', async () => {
    await tf.setBackend('wasm')
    const x = tf.randomNormal([2, 6, 5, 4]) as tf.Tensor4D
    const y = tf.randomNormal([2, 6, 5, 4]) as tf.Tensor4D
    const backend = tf.engine().backend
    const run = (): void => {
      const out = [
        tf.concat([x, y], 3),
        ...tf.split(x, 2, 3),
        tf.sum(x, [0, 1, 2]),
        tf.mean(x, [1, 2], true),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.concat([a, b], 3), [0, 1, 2]))([x, y])
      ]
      tf.dispose(out)
    }
    run()
    const before = backend.numDataIds()
    run()
    expect(backend.numDataIds()).toBe(before)
    tf.dispose([x, y])
  })
})
