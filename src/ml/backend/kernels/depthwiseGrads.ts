import * as tf from '@tensorflow/tfjs'
import { backpropInputByPhases, planAxis } from './backpropInput'
import type { ConvGeometry } from './conv2dGrads'

/**
 * Depthwise gradients. Filter [kh, kw, C, M]; dy channel c*M + m belongs to
 * input channel c and multiplier m.
 */

export function depthwiseBackpropInputImpl(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const mult = filter.shape[3]
  const rows = planAxis({ inSize: g.inH, outSize: g.outH, filterSize: g.kh, stride: g.strides[0], dilation: g.dilations[0], padBefore: g.padTop })
  const cols = planAxis({ inSize: g.inW, outSize: g.outW, filterSize: g.kw, stride: g.strides[1], dilation: g.dilations[1], padBefore: g.padLeft })
  return backpropInputByPhases(dy, filter, rows, cols, [g.batch, g.inH, g.inW, g.inC], g.dilations, 'flat', (d, taps, pads, dil) => {
    // Each dy channel is its own depthwise input channel (multiplier 1);
    // the multipliers of one input channel are summed afterwards.
    const out = tf.depthwiseConv2d(d, taps, 1, [[0, 0], pads[0], pads[1], [0, 0]], 'NHWC', dil)
    if (mult === 1) return out
    const [b, h, w] = [out.shape[0], out.shape[1], out.shape[2]]
    return tf.sum(out.reshape([b, h, w, g.inC, mult]), 4) as tf.Tensor4D
  })
}

/**
 * dW[i, j, c, m] = sum over batch and output pixels of the tap's shifted x
 * times dy. One elementwise product and column sum per tap: depthwise layers
 * are cheap, so this stays simple rather than clever.
 */
export function depthwiseBackpropFilterImpl(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, mult: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [sh, sw] = g.strides
    const [dh, dw] = g.dilations
    const needH = (g.outH - 1) * sh + (g.kh - 1) * dh + 1
    const needW = (g.outW - 1) * sw + (g.kw - 1) * dw + 1
    const bottom = Math.max(0, needH - g.inH - g.padTop)
    const right = Math.max(0, needW - g.inW - g.padLeft)
    const xp = g.padTop + bottom + g.padLeft + right > 0 ? tf.pad(x, [[0, 0], [g.padTop, bottom], [g.padLeft, right], [0, 0]]) : x
    const n = g.batch * g.outH * g.outW
    const dyr = dy.reshape([n, g.inC, mult])
    const ones = tf.ones([1, n])
    const taps: tf.Tensor2D[] = []
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) {
        const top = i * dh
        const left = j * dw
        const xs =
          sh === 1 && sw === 1
            ? tf.slice(xp, [0, top, left, 0], [g.batch, g.outH, g.outW, g.inC])
            : tf.stridedSlice(xp, [0, top, left, 0], [g.batch, top + (g.outH - 1) * sh + 1, left + (g.outW - 1) * sw + 1, g.inC], [1, sh, sw, 1])
        const prod = tf.mul(xs.reshape([n, g.inC, 1]), dyr).reshape([n, g.inC * mult])
        // Column sums as a [1, n] x [n, C*M] matMul: XNNPACK, no transpose pass.
        taps.push(tf.matMul(ones, prod))
      }
    }
    return tf.concat(taps, 0).reshape([g.kh, g.kw, g.inC, mult]) as tf.Tensor4D
  })
}
