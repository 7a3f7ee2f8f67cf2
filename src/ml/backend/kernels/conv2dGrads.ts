import * as tf from '@tensorflow/tfjs'
import { backpropInputByPhases, planAxis } from './backpropInput'

/**
 * Largest block, in floats, that the filter gradient builds at once. Big
 * inputs are done in bands (output rows, or images) so the wasm heap (at most
 * 4 GB, shared with everything else) is never asked for one huge buffer.
 * Mutable so tests can force the banded paths on small inputs.
 */
export const GRAD_BLOCK = { floats: 1 << 23 }

type Pad = tf.Conv2DBackpropFilterAttrs['pad']

export interface ConvGeometry {
  batch: number
  inH: number
  inW: number
  inC: number
  outH: number
  outW: number
  kh: number
  kw: number
  strides: [number, number]
  dilations: [number, number]
  padTop: number
  padLeft: number
  padBottom: number
  padRight: number
}

export function convGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: [number, number],
  dilations: [number, number],
  pad: Pad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, depthwise)
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    strides,
    dilations,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right
  }
}

/**
 * dx of a regular convolution: per phase, a stride-1 forward convolution of
 * dy with the phase's taps reversed and in/out channels swapped.
 */
export function conv2dBackpropInputImpl(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  g: ConvGeometry
): tf.Tensor4D {
  const rows = planAxis({ inSize: g.inH, outSize: g.outH, filterSize: g.kh, stride: g.strides[0], dilation: g.dilations[0], padBefore: g.padTop })
  const cols = planAxis({ inSize: g.inW, outSize: g.outW, filterSize: g.kw, stride: g.strides[1], dilation: g.dilations[1], padBefore: g.padLeft })
  return backpropInputByPhases(dy, filter, rows, cols, [g.batch, g.inH, g.inW, g.inC], g.dilations, 'swap', (d, taps, pads, dil) =>
    tf.conv2d(d, taps, 1, [[0, 0], pads[0], pads[1], [0, 0]], 'NHWC', dil)
  )
}

/**
 * Rows of the im2col matrix, transposed: [kh*kw*C, B*rows*OW] for output rows
 * [r0, r0+rows), built from x already transposed to [C, B, H, W] and padded.
 * Row order (kh, kw, c) is the filter's own layout, so the product with dy
 * needs no reshuffle afterwards.
 */
function patchesT(xt: tf.Tensor4D, g: ConvGeometry, r0: number, rows: number): tf.Tensor2D {
  const [c, b] = [xt.shape[0], xt.shape[1]]
  const [sh, sw] = g.strides
  const [dh, dw] = g.dilations
  const slices: tf.Tensor4D[] = []
  for (let i = 0; i < g.kh; i++) {
    for (let j = 0; j < g.kw; j++) {
      const top = r0 * sh + i * dh
      const left = j * dw
      slices.push(
        sh === 1 && sw === 1
          ? tf.slice(xt, [0, 0, top, left], [c, b, rows, g.outW])
          : (tf.stridedSlice(xt, [0, 0, top, left], [c, b, top + (rows - 1) * sh + 1, left + (g.outW - 1) * sw + 1], [1, 1, sh, sw]) as tf.Tensor4D)
      )
    }
  }
  const stacked = slices.length === 1 ? slices[0]! : tf.concat(slices, 0)
  return stacked.reshape([g.kh * g.kw * c, b * rows * g.outW])
}

/**
 * Stride-1 filter gradient without im2col. Pad x to a grid [B, Hp, Wp, C] and
 * dy into the same grid (zeros outside the real output). Flattened, the input
 * pixel that tap (i, j) pairs with output q is q + i*d*Wp + j*d, a fixed
 * offset, so tap (i, j)'s gradient is a [C, N] x [N, CO] product whose left
 * side is a plain column window of x^T: C contiguous copies, no gather.
 * dy is the right operand of all taps; XNNPACK packs it once and caches it.
 * Returns [kh*kw*C, CO] for images [b0, b0 + count).
 */
function filterGradStride1(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, outC: number, b0: number, count: number): tf.Tensor2D {
  const [dh, dw] = g.dilations
  const hp = Math.max(g.inH + g.padTop, g.outH + (g.kh - 1) * dh)
  const wp = Math.max(g.inW + g.padLeft, g.outW + (g.kw - 1) * dw)
  const grid = count * hp * wp
  // Last flat position that is a real output, plus one.
  const n = (count - 1) * hp * wp + (g.outH - 1) * wp + g.outW
  const { xt, d } = tf.tidy(() => {
    const xb = count === g.batch ? x : tf.slice(x, [b0, 0, 0, 0], [count, g.inH, g.inW, g.inC])
    const dyb = count === g.batch ? dy : tf.slice(dy, [b0, 0, 0, 0], [count, g.outH, g.outW, outC])
    const xp = tf.pad(xb, [[0, 0], [g.padTop, hp - g.inH - g.padTop], [g.padLeft, wp - g.inW - g.padLeft], [0, 0]])
    const dyp = tf.pad(dyb, [[0, 0], [0, hp - g.outH], [0, wp - g.outW], [0, 0]]).reshape([grid, outC])
    return {
      xt: tf.transpose(xp.reshape([grid, g.inC])) as tf.Tensor2D,
      d: (n === grid ? dyp : tf.slice(dyp, [0, 0], [n, outC])) as tf.Tensor2D
    }
  })
  const taps: tf.Tensor2D[] = []
  try {
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) {
        const off = i * dh * wp + j * dw
        taps.push(tf.tidy(() => tf.matMul(tf.slice(xt, [0, off], [g.inC, n]), d)))
      }
    }
    return tf.concat(taps, 0)
  } finally {
    tf.dispose([xt, d, ...taps])
  }
}

/** Images per stride-1 chunk so padded copies of x and dy stay near the im2col block size; 0 if one image is already too big. */
function stride1Chunk(g: ConvGeometry, outC: number): number {
  const hp = Math.max(g.inH + g.padTop, g.outH + (g.kh - 1) * g.dilations[0])
  const wp = Math.max(g.inW + g.padLeft, g.outW + (g.kw - 1) * g.dilations[1])
  const perImage = hp * wp * (2 * g.inC + outC)
  return Math.min(g.batch, Math.floor((4 * GRAD_BLOCK.floats) / perImage))
}

/** Sums `part(b0, count)` over chunks of the batch, disposing as it goes. */
function sumOverBatch(batch: number, chunk: number, part: (b0: number, count: number) => tf.Tensor2D): tf.Tensor2D {
  let acc: tf.Tensor2D | null = null
  for (let b0 = 0; b0 < batch; b0 += chunk) {
    const p = part(b0, Math.min(chunk, batch - b0))
    if (acc === null) acc = p
    else {
      const next: tf.Tensor2D = tf.add(acc, p)
      tf.dispose([acc, p])
      acc = next
    }
  }
  if (acc === null) throw new Error('empty batch in convolution filter gradient')
  return acc
}

/**
 * dW = im2col(x)^T . dy, one matMul per band of output rows. Used for
 * strides > 1. The wasm matMul is only fast (XNNPACK) without transpose
 * flags, hence the patches are built transposed.
 */
export function conv2dBackpropFilterImpl(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, outC: number): tf.Tensor4D {
  const [sh, sw] = g.strides
  if (sh === 1 && sw === 1) {
    const chunk = stride1Chunk(g, outC)
    if (chunk > 0) {
      const flat = sumOverBatch(g.batch, chunk, (b0, count) => filterGradStride1(x, dy, g, outC, b0, count))
      const out = flat.reshape([g.kh, g.kw, g.inC, outC]) as tf.Tensor4D
      flat.dispose()
      return out
    }
  }
  const [dh, dw] = g.dilations
  // Rows/cols of padded x the patches can touch; pad further only as needed.
  const needH = (g.outH - 1) * sh + (g.kh - 1) * dh + 1
  const needW = (g.outW - 1) * sw + (g.kw - 1) * dw + 1
  const bottom = Math.max(0, needH - g.inH - g.padTop)
  const right = Math.max(0, needW - g.inW - g.padLeft)
  const xt = tf.tidy(() => {
    const t = tf.transpose(x, [3, 0, 1, 2])
    return g.padTop + bottom + g.padLeft + right > 0 ? tf.pad(t, [[0, 0], [0, 0], [g.padTop, bottom], [g.padLeft, right]]) : t
  })
  const perRow = g.kh * g.kw * g.inC * g.batch * g.outW
  const band = Math.max(1, Math.min(g.outH, Math.floor(GRAD_BLOCK.floats / perRow)))
  let acc: tf.Tensor2D | null = null
  try {
    for (let r0 = 0; r0 < g.outH; r0 += band) {
      const rows = Math.min(band, g.outH - r0)
      const prev: tf.Tensor2D | null = acc
      acc = tf.tidy((): tf.Tensor2D => {
        const dyBand = rows === g.outH ? dy : tf.slice(dy, [0, r0, 0, 0], [g.batch, rows, g.outW, outC])
        const part = tf.matMul(patchesT(xt, g, r0, rows), dyBand.reshape([g.batch * rows * g.outW, outC])) as tf.Tensor2D
        return prev === null ? part : tf.add<tf.Tensor2D>(prev, part)
      })
      prev?.dispose()
    }
  } finally {
    xt.dispose()
  }
  if (acc === null) return tf.zeros([g.kh, g.kw, g.inC, outC])
  const out = acc.reshape([g.kh, g.kw, g.inC, outC]) as tf.Tensor4D
  acc.dispose()
  return out
}
