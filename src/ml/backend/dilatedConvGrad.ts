import * as tf from '@tensorflow/tfjs'
import { pair } from './kernels/tensorArgs'

/**
 * TF.js refuses gradients of dilated convolutions ("dilation rates greater
 * than 1 are not yet supported in gradients"), on every backend. The masked
 * dilated convolutions of the MFLM block need them, so Conv2D and
 * DepthwiseConv2dNative get a gradient that handles dilation d the way
 * TensorFlow's atrous convolution is built: spaceToBatchND splits the padded
 * input into d*d phases, each phase is an ordinary (undilated) valid
 * convolution, batchToSpaceND interleaves them again. Its gradient is made of
 * kernels every backend has. Undilated calls keep TF.js's own gradient.
 */

interface AxisSplit {
  padBefore: number
  padAfter: number
  crop: number
}

function splitAxis(inSize: number, outSize: number, k: number, d: number, padBefore: number): AxisSplit {
  // Padded length: a multiple of d covering the input and every tap of every output.
  const len = d * Math.ceil(Math.max(inSize + padBefore, outSize + (k - 1) * d) / d)
  return { padBefore, padAfter: len - inSize - padBefore, crop: (len / d - k + 1) * d - outSize }
}

const MARK = Symbol('defect-studio dilated conv gradient')
type MarkedGrad = tf.GradConfig & { [MARK]?: true }

function dilatedGrad(kernelName: string, depthwise: boolean, original: tf.GradConfig): MarkedGrad {
  return {
    kernelName,
    inputsToSave: ['x', 'filter'],
    [MARK]: true,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const dilations = pair(attrs.dilations as number | [number, number] | undefined)
      if (dilations[0] === 1 && dilations[1] === 1) return original.gradFunc(dy, saved, attrs)
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D]
      const strides = pair(attrs.strides as number | [number, number])
      if (strides[0] !== 1 || strides[1] !== 1) {
        throw new Error(`gradient of dilated ${kernelName} needs strides 1, got [${strides}]`)
      }
      if (attrs.dataFormat === 'NCHW') throw new Error(`gradient of dilated ${kernelName} supports NHWC only`)
      const pad = attrs.pad as tf.Conv2DBackpropFilterAttrs['pad']
      const rounding = attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined
      const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, 1, dilations, pad, rounding, depthwise)
      const rows = splitAxis(info.inHeight, info.outHeight, info.filterHeight, dilations[0], info.padInfo.top)
      const cols = splitAxis(info.inWidth, info.outWidth, info.filterWidth, dilations[1], info.padInfo.left)
      const padding = [
        [rows.padBefore, rows.padAfter],
        [cols.padBefore, cols.padAfter]
      ]
      const crops = [
        [0, rows.crop],
        [0, cols.crop]
      ]
      const dy4 = dy as tf.Tensor4D
      // Recomputed in both closures: only the requested gradient pays for it.
      const phases = (): { z: tf.Tensor4D; du: tf.Tensor4D } => ({
        z: tf.spaceToBatchND(x, dilations, padding) as tf.Tensor4D,
        du: tf.spaceToBatchND(dy4, dilations, crops) as tf.Tensor4D
      })
      const undilated = { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined }
      return {
        x: () => {
          const { z, du } = phases()
          const dz = tf.engine().runKernel(
            depthwise ? tf.DepthwiseConv2dNativeBackpropInput : tf.Conv2DBackpropInput,
            { dy: du, filter },
            { ...undilated, inputShape: z.shape } as unknown as tf.NamedAttrMap
          ) as tf.Tensor4D
          return tf.batchToSpaceND(dz, dilations, padding)
        },
        filter: () => {
          const { z, du } = phases()
          return tf.engine().runKernel(
            depthwise ? tf.DepthwiseConv2dNativeBackpropFilter : tf.Conv2DBackpropFilter,
            { x: z, dy: du },
            { ...undilated, filterShape: filter.shape } as unknown as tf.NamedAttrMap
          ) as tf.Tensor4D
        }
      }
    }
  }
}

/** Installs the dilation-capable gradients once; later calls do nothing. */
export function registerDilatedConvGradients(): void {
  for (const [name, depthwise] of [
    [tf.Conv2D, false],
    [tf.DepthwiseConv2dNative, true]
  ] as const) {
    const current = tf.getGradient(name) as MarkedGrad | undefined
    if (current === undefined) throw new Error(`TF.js has no gradient registered for ${name}`)
    if (current[MARK]) continue
    tf.registerGradient(dilatedGrad(name, depthwise, current))
  }
}
