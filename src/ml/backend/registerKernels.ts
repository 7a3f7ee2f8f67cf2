import * as tf from '@tensorflow/tfjs'
import { assertChannelsLast, asTensor, pair } from './kernels/tensorArgs'
import { conv2dBackpropFilterImpl, conv2dBackpropInputImpl, convGeometry } from './kernels/conv2dGrads'
import { depthwiseBackpropFilterImpl, depthwiseBackpropInputImpl } from './kernels/depthwiseGrads'
import { fastConcat, fastSlice, fastSplitV, fastUnpack } from './kernels/fastSlice'
import { identityNoCopy } from './kernels/identity'
import { avgPoolGrad, maxPoolGrad, resizeBilinearGrad, resizeNearestNeighborGrad } from './kernels/gradFixes'
import { oneHotImpl } from './kernels/oneHot'
import { spatialReduceKernel } from './kernels/spatialReduce'
import { resizeBilinearGradWasm } from './kernels/resizeGrad2x'
import { fastTile } from './kernels/tile'
import { unsortedSegmentSumImpl } from './kernels/unsortedSegmentSum'

/**
 * Kernels the wasm backend lacks (or has only as slow scalar loops) that
 * training needs. Each is composed of TF.js ops that wasm runs natively, so
 * the heavy lifting stays in XNNPACK. Conv2DBackpropInput exists on wasm but
 * is a naive loop, OneHot ignores dtype float32, Slice/SplitV/Unpack copy
 * their whole input before slicing, Concat copies a few channels at a time,
 * Sum and Mean transpose before a spatial reduction (kernels/spatialReduce.ts),
 * Identity copies what it could share (kernels/identity.ts), and the
 * pooling / resizing gradients are wrong in places (see kernels/gradFixes.ts);
 * ours replace them.
 */

type Shape4 = [number, number, number, number]

const conv2dBackpropFilter: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs
  assertChannelsLast(a.dataFormat, tf.Conv2DBackpropFilter)
  const x = asTensor<tf.Rank.R4>(inputs.x, 'x')
  const dy = asTensor<tf.Rank.R4>(inputs.dy, 'dy')
  const g = convGeometry(x.shape, a.filterShape, pair(a.strides), [1, 1], a.pad, a.dimRoundingMode, false)
  return conv2dBackpropFilterImpl(x, dy, g, a.filterShape[3])
}

const conv2dBackpropInput: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs
  assertChannelsLast(a.dataFormat, tf.Conv2DBackpropInput)
  const dy = asTensor<tf.Rank.R4>(inputs.dy, 'dy')
  const filter = asTensor<tf.Rank.R4>(inputs.filter, 'filter')
  const g = convGeometry(a.inputShape as Shape4, filter.shape, pair(a.strides), [1, 1], a.pad, a.dimRoundingMode, false)
  return conv2dBackpropInputImpl(dy, filter, g)
}

const depthwiseBackpropFilter: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs
  const x = asTensor<tf.Rank.R4>(inputs.x, 'x')
  const dy = asTensor<tf.Rank.R4>(inputs.dy, 'dy')
  const g = convGeometry(x.shape, a.filterShape, pair(a.strides), pair(a.dilations), a.pad, a.dimRoundingMode, true)
  return depthwiseBackpropFilterImpl(x, dy, g, a.filterShape[3])
}

const depthwiseBackpropInput: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs
  const dy = asTensor<tf.Rank.R4>(inputs.dy, 'dy')
  const filter = asTensor<tf.Rank.R4>(inputs.filter, 'filter')
  const g = convGeometry(a.inputShape as Shape4, filter.shape, pair(a.strides), pair(a.dilations), a.pad, a.dimRoundingMode, true)
  return depthwiseBackpropInputImpl(dy, filter, g)
}

const unsortedSegmentSum: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as tf.UnsortedSegmentSumAttrs
  return unsortedSegmentSumImpl(asTensor(inputs.x, 'x'), asTensor(inputs.segmentIds, 'segmentIds'), a.numSegments)
}

const oneHot: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as tf.OneHotAttrs
  return oneHotImpl(asTensor(inputs.indices, 'indices'), a.depth, a.onValue, a.offValue, a.dtype)
}

/**
 * The kernels ours replace, as the backend registered them (key
 * 'backend/kernel'): Sum and Mean hand every reduction but the spatial one
 * to the stock kernel, and a replaced kernel keeps the stock setup, where
 * wasm binds its C functions.
 */
const stockKernels = new Map<string, tf.KernelConfig>()

function stockKernel(name: string): tf.KernelFunc {
  return (args) => {
    const k = stockKernels.get(`${tf.getBackend()}/${name}`)
    if (k === undefined) throw new Error(`backend '${tf.getBackend()}' has no stock ${name} kernel to fall back to`)
    return k.kernelFunc(args)
  }
}

/** Every kernel this module provides for wasm, by TF.js kernel name. */
export const WASM_TRAINING_KERNELS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  { name: tf.Conv2DBackpropFilter, kernelFunc: conv2dBackpropFilter },
  { name: tf.Conv2DBackpropInput, kernelFunc: conv2dBackpropInput },
  { name: tf.DepthwiseConv2dNativeBackpropFilter, kernelFunc: depthwiseBackpropFilter },
  { name: tf.DepthwiseConv2dNativeBackpropInput, kernelFunc: depthwiseBackpropInput },
  { name: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSum },
  { name: tf.OneHot, kernelFunc: oneHot },
  { name: tf.Slice, kernelFunc: fastSlice },
  { name: tf.SplitV, kernelFunc: fastSplitV },
  { name: tf.Unpack, kernelFunc: fastUnpack },
  { name: tf.Concat, kernelFunc: fastConcat },
  { name: tf.Identity, kernelFunc: identityNoCopy },
  { name: tf.MaxPoolGrad, kernelFunc: maxPoolGrad },
  { name: tf.AvgPoolGrad, kernelFunc: avgPoolGrad },
  { name: tf.ResizeNearestNeighborGrad, kernelFunc: resizeNearestNeighborGrad },
  { name: tf.ResizeBilinearGrad, kernelFunc: resizeBilinearGradWasm },
  { name: tf.Tile, kernelFunc: fastTile },
  { name: tf.Sum, kernelFunc: spatialReduceKernel('sum', stockKernel(tf.Sum)) },
  { name: tf.Mean, kernelFunc: spatialReduceKernel('mean', stockKernel(tf.Mean)) }
]

/** Kernels replaced on the cpu backend because its own are wrong (see kernels/gradFixes.ts). */
export const CPU_FIXED_KERNELS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  { name: tf.AvgPoolGrad, kernelFunc: avgPoolGrad },
  { name: tf.ResizeNearestNeighborGrad, kernelFunc: resizeNearestNeighborGrad },
  { name: tf.ResizeBilinearGrad, kernelFunc: resizeBilinearGrad }
]

function register(list: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }>, backendName: string): string[] {
  for (const { name, kernelFunc } of list) {
    const key = `${backendName}/${name}`
    const current = tf.getKernel(name, backendName)
    if (current !== undefined && current.kernelFunc !== kernelFunc) stockKernels.set(key, current)
    const stock = stockKernels.get(key)
    // Unregister first: registerKernel warns on every overwrite.
    if (current !== undefined) tf.unregisterKernel(name, backendName)
    tf.registerKernel({ kernelName: name, backendName, kernelFunc, setupFunc: stock?.setupFunc, disposeFunc: stock?.disposeFunc })
  }
  return list.map((k) => k.name)
}

/** Replaces the cpu kernels listed in CPU_FIXED_KERNELS; returns their names. */
export function registerCpuKernelFixes(backendName = 'cpu'): string[] {
  return register(CPU_FIXED_KERNELS, backendName)
}

/**
 * Registers (or replaces) the kernels above for the 'wasm' backend. Safe to
 * call more than once; returns the kernel names.
 */
export function registerWasmTrainingKernels(backendName = 'wasm'): string[] {
  return register(WASM_TRAINING_KERNELS, backendName)
}
