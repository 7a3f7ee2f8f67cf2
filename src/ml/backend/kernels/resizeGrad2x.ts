import * as tf from '@tensorflow/tfjs'
import { resizeBilinearGrad } from './gradFixes'
import { asTensor } from './tensorArgs'

/**
 * ResizeBilinearGrad on wasm, with a fast path for what U-Net decoders do:
 * exact 2x upsampling with half-pixel centres. There, input pixel i receives
 * output pixels 2i-1 .. 2i+2 with weights 1/4, 3/4, 3/4, 1/4 per axis, and
 * at the borders the clamped taps land on the edge pixel, which is what a
 * symmetric edge pad of dy gives. So the gradient is one depthwise 4x4
 * convolution with stride 2 of the padded dy: XNNPACK, on the thread pool,
 * instead of a scatter loop on the main thread. Everything else takes the
 * general adjoint loop (kernels/gradFixes.ts).
 */

const TAPS = [0.25, 0.75, 0.75, 0.25]

export const resizeBilinearGradWasm: tf.KernelFunc = (args) => {
  const { images, dy } = args.inputs
  const a = args.attrs as unknown as tf.ResizeBilinearGradAttrs
  if (images === undefined || dy === undefined || images.shape.length !== 4 || dy.dtype !== 'float32') return resizeBilinearGrad(args)
  const [, h, w, c] = images.shape as [number, number, number, number]
  const [, nh, nw] = dy.shape as [number, number, number, number]
  if (a.alignCorners || !a.halfPixelCenters || nh !== 2 * h || nw !== 2 * w) return resizeBilinearGrad(args)
  const g = asTensor<tf.Rank.R4>(dy, 'dy')
  const filter = new Float32Array(16 * c)
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) filter.fill(TAPS[i]! * TAPS[j]!, (i * 4 + j) * c, (i * 4 + j + 1) * c)
  }
  return tf.tidy(() => {
    const padded = tf.mirrorPad(g, [[0, 0], [1, 1], [1, 1], [0, 0]], 'symmetric')
    return tf.depthwiseConv2d(padded, tf.tensor4d(filter, [4, 4, c, 1]), 2, 'valid')
  })
}
