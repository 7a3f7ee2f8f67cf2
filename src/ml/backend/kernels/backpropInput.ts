import * as tf from '@tensorflow/tfjs'

/**
 * Gradient of a convolution with respect to its input, as ordinary forward
 * convolutions (which wasm runs through XNNPACK, fast) instead of the wasm
 * backend's scalar Conv2DBackpropInput loop.
 *
 * A stride-s convolution splits into s*s "phases": input rows i = r + s*m of
 * one phase only ever meet filter taps k = k0 + s*j, so each phase is a
 * stride-1 correlation of dy with those taps reversed. The phases are then
 * interleaved back into the full input grid. With stride 1 there is one
 * phase and dilation carries straight over.
 */

export interface AxisGeometry {
  /** Size of the forward input along this axis (the size we produce). */
  inSize: number
  /** Size of dy along this axis. */
  outSize: number
  filterSize: number
  stride: number
  dilation: number
  padBefore: number
}

export interface PhasePlan {
  /** First filter tap of this phase and the number of taps (0: phase gets no gradient). */
  firstTap: number
  taps: number
  /** Padding of dy before/after; negative means crop. */
  padBefore: number
  padAfter: number
}

export interface AxisPlan {
  /** Rows produced per phase; phases x rowsPerPhase >= inSize, the excess is cropped. */
  rowsPerPhase: number
  phases: PhasePlan[]
}

export function planAxis(g: AxisGeometry): AxisPlan {
  const { inSize, outSize, filterSize: k, stride: s, dilation: d, padBefore: p } = g
  if (s > 1 && d > 1) throw new Error(`convolution gradient needs stride 1 or dilation 1, got stride ${s} and dilation ${d}`)
  if (s === 1) {
    const before = (k - 1) * d - p
    return { rowsPerPhase: inSize, phases: [{ firstTap: 0, taps: k, padBefore: before, padAfter: inSize - outSize + p }] }
  }
  const rows = Math.ceil(inSize / s)
  const phases: PhasePlan[] = []
  for (let r = 0; r < s; r++) {
    const firstTap = (((r + p) % s) + s) % s
    const taps = firstTap < k ? Math.ceil((k - firstTap) / s) : 0
    const shift = (r + p - firstTap) / s
    const before = taps - 1 - shift
    phases.push({ firstTap, taps, padBefore: before, padAfter: rows + taps - 1 - outSize - before })
  }
  return { rowsPerPhase: rows, phases }
}

/** Pads where the plan pads and slices where it crops (negative padding). */
function padOrCrop(dy: tf.Tensor4D, ph: PhasePlan, pw: PhasePlan): { dy: tf.Tensor4D; pads: [[number, number], [number, number]] } {
  const [b, h, w, c] = dy.shape
  const cropTop = Math.max(0, -ph.padBefore)
  const cropBottom = Math.max(0, -ph.padAfter)
  const cropLeft = Math.max(0, -pw.padBefore)
  const cropRight = Math.max(0, -pw.padAfter)
  const cropped =
    cropTop + cropBottom + cropLeft + cropRight === 0
      ? dy
      : tf.slice(dy, [0, cropTop, cropLeft, 0], [b, h - cropTop - cropBottom, w - cropLeft - cropRight, c])
  return {
    dy: cropped,
    pads: [
      [Math.max(0, ph.padBefore), Math.max(0, ph.padAfter)],
      [Math.max(0, pw.padBefore), Math.max(0, pw.padAfter)]
    ]
  }
}

/**
 * The phase's taps, reversed in both spatial axes, as a new filter.
 * 'swap' exchanges the channel axes ([jh, jw, out, in], for a regular
 * convolution run backwards); 'flat' merges them ([jh, jw, in*mult, 1], for
 * a depthwise one). Filters are small, so this is a host-side loop: cheaper
 * than stridedSlice + reverse + transpose kernels on every training step.
 */
export function phaseTaps(w: Float32Array | Int32Array | Uint8Array, shape: [number, number, number, number], ph: PhasePlan, pw: PhasePlan, strides: [number, number], layout: 'swap' | 'flat'): tf.Tensor4D {
  const [, kw, ci, co] = shape
  const jh = ph.taps
  const jw = pw.taps
  const out = new Float32Array(jh * jw * ci * co)
  let o = 0
  for (let a = 0; a < jh; a++) {
    const r = ph.firstTap + strides[0] * (jh - 1 - a)
    for (let b = 0; b < jw; b++) {
      const c = pw.firstTap + strides[1] * (jw - 1 - b)
      const base = (r * kw + c) * ci * co
      if (layout === 'flat') {
        out.set(w.subarray(base, base + ci * co), o)
        o += ci * co
      } else {
        for (let y = 0; y < co; y++) {
          for (let x = 0; x < ci; x++) out[o++] = w[base + x * co + y]!
        }
      }
    }
  }
  return layout === 'flat' ? tf.tensor4d(out, [jh, jw, ci * co, 1]) : tf.tensor4d(out, [jh, jw, co, ci])
}

/**
 * Shared driver: `phaseConv` turns (cropped dy, taps of this phase laid out
 * per `layout`, pads, dilation) into the phase's slice of dx with `channels`
 * channels.
 */
export function backpropInputByPhases(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  rowsPlan: AxisPlan,
  colsPlan: AxisPlan,
  inShape: [number, number, number, number],
  dilations: [number, number],
  layout: 'swap' | 'flat',
  phaseConv: (
    dy: tf.Tensor4D,
    taps: tf.Tensor4D,
    pads: [[number, number], [number, number]],
    dilations: [number, number]
  ) => tf.Tensor4D
): tf.Tensor4D {
  const [batch, inH, inW, channels] = inShape
  const sh = rowsPlan.phases.length
  const sw = colsPlan.phases.length
  const mh = rowsPlan.rowsPerPhase
  const mw = colsPlan.rowsPerPhase
  const w = filter.dataSync()
  return tf.tidy(() => {
    const rows: tf.Tensor4D[] = []
    for (const ph of rowsPlan.phases) {
      const cols: tf.Tensor4D[] = []
      for (const pw of colsPlan.phases) {
        const croppedH = dy.shape[1] - Math.max(0, -ph.padBefore) - Math.max(0, -ph.padAfter)
        const croppedW = dy.shape[2] - Math.max(0, -pw.padBefore) - Math.max(0, -pw.padAfter)
        if (ph.taps === 0 || pw.taps === 0 || croppedH <= 0 || croppedW <= 0) {
          cols.push(tf.zeros([batch, mh, mw, channels]))
          continue
        }
        const taps = phaseTaps(w, filter.shape, ph, pw, [sh, sw], layout)
        const { dy: d, pads } = padOrCrop(dy, ph, pw)
        cols.push(phaseConv(d, taps, pads, dilations))
      }
      rows.push(sw === 1 ? cols[0]! : (tf.stack(cols, 3) as tf.Tensor<tf.Rank.R5> as unknown as tf.Tensor4D))
    }
    if (sh === 1 && sw === 1) return rows[0]!
    // rows: sh x [B, mh, mw, (sw,) C] -> [B, mh, sh, mw, sw, C] -> [B, mh*sh, mw*sw, C]
    const stacked = tf.stack(rows, 2).reshape([batch, mh * sh, mw * sw, channels]) as tf.Tensor4D
    return mh * sh === inH && mw * sw === inW ? stacked : tf.slice(stacked, [0, 0, 0, 0], [batch, inH, inW, channels])
  })
}
