/**
 * Model size figures for the UI and the reports: parameters and an analytic
 * FLOP count (multiply-add = 2 FLOPs; the thesis's Tables 4.2/4.4 do not say
 * which convention they use).
 */
import type * as tf from '@tensorflow/tfjs'
import { ChannelTransformer } from './channel-transformer'

/** All weights, trainable or not (BN moving statistics included). */
export function countParams(model: tf.LayersModel): number {
  return model.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0)
}

export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0)
}

type Shape = (number | null)[]

function firstShape(s: Shape | Shape[]): Shape {
  return (Array.isArray(s[0]) ? s[0] : s) as Shape
}

/**
 * FLOPs of one forward pass for one image of `size` x `size`: convolutions
 * and dense layers counted exactly (bias adds included), the channel
 * transformer by its own count; pooling, BN and element-wise layers are left
 * out (a few percent). Spatial layers are scaled by (size / model input)^2,
 * so a model built at one size can be costed at another.
 */
export function estimateFlops(model: tf.LayersModel, size: number): number {
  const inShape = firstShape(model.inputs[0]!.shape as Shape)
  const built = inShape[1] ?? size
  const ratio = (size / built) ** 2
  let flops = 0
  for (const layer of model.layers) {
    const cls = layer.getClassName()
    // A layer applied twice (CALM's shared MLP) has one inbound node per use.
    for (const node of layer.inboundNodes) {
      const input = node.inputTensors[0]?.shape as Shape | undefined
      const out = node.outputTensors[0]?.shape as Shape | undefined
      if (!input || !out) continue
      if (cls === 'Conv2D' || cls === 'Conv2DTranspose') {
        const cfg = layer.getConfig()
        const k = cfg.kernelSize as number[]
        const cin = (cls === 'Conv2D' ? input[3] : out[3]) ?? 0
        const cout = (cls === 'Conv2D' ? out[3] : input[3]) ?? 0
        const pixels = cls === 'Conv2D' ? (out[1] ?? 0) * (out[2] ?? 0) : (input[1] ?? 0) * (input[2] ?? 0)
        flops += pixels * (2 * k[0]! * k[1]! * cin * cout + (cfg.useBias ? (out[3] ?? 0) : 0)) * ratio
      } else if (cls === 'Dense') {
        const units = out[out.length - 1] ?? 0
        const inW = input[input.length - 1] ?? 0
        const rows = input.slice(1, -1).reduce((a: number, b) => a * (b ?? 1), 1)
        flops += rows * (2 * inW * units + units)
      } else if (layer instanceof ChannelTransformer) {
        // Tokens come from a fixed pooled grid: only the pooling grows with the input.
        flops += layer.flops()
      }
    }
  }
  return flops
}
