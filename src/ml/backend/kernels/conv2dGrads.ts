import * as tf from '@tensorflow/tfjs'
import { backpropInputByPhases, planAxis } from './backpropInput'

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
 * dW as ONE forward convolution, which XNNPACK runs on the whole thread pool
 * and for which it gathers the patches itself (no im2col copy):
 *
 *   dW[i, j, c, o] = sum over b, y, x of xpad[b, s*y + d*i, s*x + d*j, c] * dy[b, y, x, o]
 *
 * is a convolution of x laid out [C, H, W, B] (channels as images, images as
 * channels) with dy laid out [OH, OW, B, CO] as its filter, filter dilation s
 * (the forward stride) and stride d (the forward dilation); its output
 * [C, kh, kw, CO] is dW with the first axis moved. The earlier per-tap
 * matrix products had the whole batch as their inner dimension: too long for
 * any cache, so a second thread only added memory traffic.
 */
export function conv2dBackpropFilterImpl(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, outC: number): tf.Tensor4D {
  const [sh, sw] = g.strides
  const [dh, dw] = g.dilations
  // Extent of padded x that the taps reach; rows and columns beyond it meet no output.
  const needH = (g.outH - 1) * sh + (g.kh - 1) * dh + 1
  const needW = (g.outW - 1) * sw + (g.kw - 1) * dw + 1
  const keepH = Math.min(g.inH, needH - g.padTop)
  const keepW = Math.min(g.inW, needW - g.padLeft)
  if (keepH <= 0 || keepW <= 0 || g.outH === 0 || g.outW === 0) return tf.zeros([g.kh, g.kw, g.inC, outC])
  return tf.tidy(() => {
    const xs = keepH < g.inH || keepW < g.inW ? tf.slice(x, [0, 0, 0, 0], [g.batch, keepH, keepW, g.inC]) : x
    const xt = tf.transpose(xs, [3, 1, 2, 0])
    const dyt = tf.transpose(dy, [1, 2, 0, 3])
    // Padding goes to XNNPACK (it reads zeros through its indirection buffer) instead of a padded copy of x.
    const pads: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [g.padTop, needH - keepH - g.padTop],
      [g.padLeft, needW - keepW - g.padLeft],
      [0, 0]
    ]
    const grad = tf.conv2d(xt, dyt, [dh, dw], pads, 'NHWC', [sh, sw])
    return tf.transpose(grad, [1, 2, 0, 3])
  })
}
