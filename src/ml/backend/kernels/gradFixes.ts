import * as tf from '@tensorflow/tfjs'
import { heapBackend } from './heap'

/**
 * Gradient kernels that TF.js 4.22 gets wrong, rewritten as the exact
 * adjoint of the forward op (same conventions as the cpu forward kernels):
 * - MaxPoolGrad on wasm drops the gradient of windows whose maximum is
 *   negative (its running maximum does not start at -infinity);
 * - AvgPoolGrad on both backends divides by the full window at 'same'
 *   borders while the forward pass averages only the real pixels;
 * - ResizeNearestNeighborGrad is wrong on cpu for batches > 1 and on wasm
 *   for non-integer scale factors;
 * - ResizeBilinearGrad on cpu fails for non-square images and on wasm is
 *   wrong with half-pixel centres.
 * Each is a plain loop writing into a zeroed output; adapters below run it
 * on the wasm heap or on cpu arrays.
 */

type Shape4 = [number, number, number, number]

/** Writes dx (zeroed, shape of x) from dy and the op's inputs. */
type AdjointFill = (dx: Float32Array, ins: Float32Array[]) => void

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } }
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo
}

function runAdjoint(backend: unknown, outShape: number[], ins: tf.TensorInfo[], fill: AdjointFill): tf.TensorInfo {
  for (const t of ins) {
    if (t.dtype !== 'float32') throw new Error(`gradient kernel expects float32 inputs, got ${t.dtype}`)
  }
  if (!('wasm' in (backend as object))) {
    const cpu = backend as Partial<CpuBackendLike>
    if (typeof cpu.makeTensorInfo !== 'function' || cpu.data === undefined) {
      throw new Error('gradient kernel needs the wasm or the cpu backend')
    }
    const arrays = ins.map((t) => cpu.data!.get(t.dataId).values as Float32Array)
    const dx = new Float32Array(outShape.reduce((a, b) => a * b, 1))
    fill(dx, arrays)
    return cpu.makeTensorInfo(outShape, 'float32', dx)
  }
  const heap = heapBackend(backend)
  // Allocate first: a heap growth detaches views taken earlier.
  const out = heap.makeOutput(outShape, 'float32')
  const dx = heap.typedArrayFromHeap(out) as Float32Array
  dx.fill(0)
  fill(
    dx,
    ins.map((t) => heap.typedArrayFromHeap(t) as Float32Array)
  )
  return out
}

function poolInfo(shape: number[], a: { filterSize: number | [number, number]; strides: number | [number, number]; pad: tf.AvgPoolGradAttrs['pad']; dimRoundingMode?: 'floor' | 'round' | 'ceil' }): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(shape as Shape4, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode)
}

/** Visits every pooling window: (row range, col range, dy offset of channel 0, batch). */
function forEachWindow(info: tf.backend_util.Conv2DInfo, visit: (r0: number, r1: number, c0: number, c1: number, gBase: number, b: number) => void): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const top = oh * info.strideHeight - info.padInfo.top
      const r0 = Math.max(0, top)
      const r1 = Math.min(H, top + info.filterHeight)
      for (let ow = 0; ow < OW; ow++) {
        const left = ow * info.strideWidth - info.padInfo.left
        visit(r0, r1, Math.max(0, left), Math.min(W, left + info.filterWidth), ((b * OH + oh) * OW + ow) * C, b)
      }
    }
  }
}

/** 2x2 windows, stride 2, every window inside the input: the U-Net's downsampling. */
function isPool2x2(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    2 * info.outHeight <= info.inHeight &&
    2 * info.outWidth <= info.inWidth
  )
}

/**
 * The same rule as the general loop (the first maximum in row-major window
 * order takes the gradient) without its per-window callback and resets:
 * windows do not overlap, so each dx element is written at most once.
 */
function maxPoolGrad2x2(dx: Float32Array, g: Float32Array, x: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info
  const rowStride = W * C
  let gi = 0
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      let p = ((b * H + 2 * oh) * W) * C
      for (let ow = 0; ow < OW; ow++, p += 2 * C) {
        for (let c = 0; c < C; c++, gi++) {
          const a = p + c
          let at = a
          let best = x[a]!
          if (x[a + C]! > best) {
            best = x[a + C]!
            at = a + C
          }
          if (x[a + rowStride]! > best) {
            best = x[a + rowStride]!
            at = a + rowStride
          }
          if (x[a + rowStride + C]! > best) at = a + rowStride + C
          dx[at] = g[gi]!
        }
      }
    }
  }
}

export const maxPoolGrad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs
  if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad: inputs dy and input are required')
  const info = poolInfo(input.shape, attrs as unknown as tf.MaxPoolGradAttrs)
  const { inHeight: H, inWidth: W, inChannels: C } = info
  if (isPool2x2(info)) return runAdjoint(backend, input.shape, [dy, input], (dx, [g, x]) => maxPoolGrad2x2(dx, g!, x!, info))
  return runAdjoint(backend, input.shape, [dy, input], (dx, [g, x]) => {
    const gv = g!
    const xv = x!
    const best = new Float32Array(C)
    const at = new Int32Array(C)
    forEachWindow(info, (r0, r1, c0, c1, gBase, b) => {
      best.fill(Number.NEGATIVE_INFINITY)
      at.fill(-1)
      for (let r = r0; r < r1; r++) {
        let base = ((b * H + r) * W + c0) * C
        for (let col = c0; col < c1; col++, base += C) {
          for (let c = 0; c < C; c++) {
            const v = xv[base + c]!
            // Strictly greater: the first maximum in the window gets the gradient.
            if (v > best[c]!) {
              best[c] = v
              at[c] = base + c
            }
          }
        }
      }
      for (let c = 0; c < C; c++) {
        const p = at[c]!
        if (p >= 0) dx[p] = dx[p]! + gv[gBase + c]!
      }
    })
  })
}

export const avgPoolGrad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs
  if (dy === undefined || input === undefined) throw new Error('AvgPoolGrad: inputs dy and input are required')
  const info = poolInfo(input.shape, attrs as unknown as tf.AvgPoolGradAttrs)
  const { inHeight: H, inWidth: W, inChannels: C } = info
  return runAdjoint(backend, input.shape, [dy], (dx, [g]) => {
    forEachWindow(info, (r0, r1, c0, c1, gBase, b) => {
      const count = (r1 - r0) * (c1 - c0)
      if (count <= 0) return
      const share = 1 / count
      for (let r = r0; r < r1; r++) {
        for (let col = c0; col < c1; col++) {
          const base = ((b * H + r) * W + col) * C
          for (let c = 0; c < C; c++) dx[base + c]! += g![gBase + c]! * share
        }
      }
    })
  })
}

/** Source index per output index, as the forward nearest-neighbour resize computes it. */
function nearestSources(oldSize: number, newSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effIn = alignCorners && newSize > 1 ? oldSize - 1 : oldSize
  const effOut = alignCorners && newSize > 1 ? newSize - 1 : newSize
  const ratio = effIn / effOut
  const src = new Int32Array(newSize)
  for (let i = 0; i < newSize; i++) {
    const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i
    let s = Math.min(oldSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac))
    if (halfPixelCenters) s = Math.max(0, s)
    src[i] = s
  }
  return src
}

export const resizeNearestNeighborGrad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { images, dy } = inputs
  if (images === undefined || dy === undefined) throw new Error('ResizeNearestNeighborGrad: inputs images and dy are required')
  const a = attrs as unknown as tf.ResizeNearestNeighborGradAttrs
  const [B, H, W, C] = images.shape as Shape4
  const [, NH, NW] = dy.shape as Shape4
  const rows = nearestSources(H, NH, a.alignCorners, a.halfPixelCenters)
  const cols = nearestSources(W, NW, a.alignCorners, a.halfPixelCenters)
  return runAdjoint(backend, images.shape, [dy], (dx, [g]) => {
    let gi = 0
    for (let b = 0; b < B; b++) {
      for (let r = 0; r < NH; r++) {
        const rowBase = (b * H + rows[r]!) * W
        for (let col = 0; col < NW; col++) {
          const base = (rowBase + cols[col]!) * C
          for (let c = 0; c < C; c++) dx[base + c]! += g![gi++]!
        }
      }
    }
  })
}

interface LinearTaps {
  lo: Int32Array
  hi: Int32Array
  frac: Float32Array
}

/** Lower/upper source index and weight of the upper one, as the forward bilinear resize computes them. */
function bilinearTaps(oldSize: number, newSize: number, alignCorners: boolean, halfPixelCenters: boolean): LinearTaps {
  const effIn = alignCorners && newSize > 1 ? oldSize - 1 : oldSize
  const effOut = alignCorners && newSize > 1 ? newSize - 1 : newSize
  const ratio = effIn / effOut
  const taps: LinearTaps = { lo: new Int32Array(newSize), hi: new Int32Array(newSize), frac: new Float32Array(newSize) }
  for (let i = 0; i < newSize; i++) {
    const src = halfPixelCenters ? ratio * (i + 0.5) - 0.5 : ratio * i
    const lo = Math.max(0, Math.floor(src))
    taps.lo[i] = lo
    taps.hi[i] = Math.min(oldSize - 1, Math.ceil(src))
    taps.frac[i] = src - lo
  }
  return taps
}

export const resizeBilinearGrad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { images, dy } = inputs
  if (images === undefined || dy === undefined) throw new Error('ResizeBilinearGrad: inputs images and dy are required')
  const a = attrs as unknown as tf.ResizeBilinearGradAttrs
  const [B, H, W, C] = images.shape as Shape4
  const [, NH, NW] = dy.shape as Shape4
  const rt = bilinearTaps(H, NH, a.alignCorners, a.halfPixelCenters)
  const ct = bilinearTaps(W, NW, a.alignCorners, a.halfPixelCenters)
  return runAdjoint(backend, images.shape, [dy], (dx, [g]) => {
    let gi = 0
    for (let b = 0; b < B; b++) {
      for (let r = 0; r < NH; r++) {
        const top = (b * H + rt.lo[r]!) * W
        const bottom = (b * H + rt.hi[r]!) * W
        const rf = rt.frac[r]!
        for (let col = 0; col < NW; col++) {
          const cf = ct.frac[col]!
          const tl = (top + ct.lo[col]!) * C
          const tr = (top + ct.hi[col]!) * C
          const bl = (bottom + ct.lo[col]!) * C
          const br = (bottom + ct.hi[col]!) * C
          const wtl = (1 - rf) * (1 - cf)
          const wtr = (1 - rf) * cf
          const wbl = rf * (1 - cf)
          const wbr = rf * cf
          for (let c = 0; c < C; c++) {
            const v = g![gi++]!
            dx[tl + c]! += v * wtl
            dx[tr + c]! += v * wtr
            dx[bl + c]! += v * wbl
            dx[br + c]! += v * wbr
          }
        }
      }
    }
  })
}
