/**
 * 2x down- and up-sampling layers used in place of tf.layers.maxPooling2d /
 * upSampling2d. The stock layers' GRADIENT kernels are wrong in TF.js 4.22
 * for batches above one:
 * - ResizeNearestNeighborGrad on the cpu backend offsets dy by the IMAGE
 *   batch stride (tfjs-backend-cpu ResizeNearestNeighborGrad.js);
 * - MaxPoolGrad on the wasm backend when batch > 1 and channels > 1.
 * Both would train silently wrong. The forward kernels are right and fast, so
 * these layers keep them and supply their own gradients from ops whose
 * gradients agree on every backend (avgPool, equal, mul, forward resize).
 */
import * as tf from '@tensorflow/tfjs'

type Shape = (number | null)[]

function single(s: Shape | Shape[]): Shape {
  return (Array.isArray(s[0]) ? s[0] : s) as Shape
}

const half = (v: number | null): number | null => (v == null ? null : Math.floor(v / 2))
const twice = (v: number | null): number | null => (v == null ? null : v * 2)

/** Pixel replication; the gradient of a 2x2 replication is the 2x2 block sum = 4 * avgPool. */
// customGrad passes the inputs and then the save function through one rest parameter.
type GradArgs = (tf.Tensor | tf.GradSaveFunc)[]

const upsample2x = tf.customGrad((...args: GradArgs) => {
  const x = args[0] as tf.Tensor4D
  const [, h, w] = x.shape
  return {
    value: tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]),
    gradFunc: (dy: tf.Tensor) => tf.mul(tf.avgPool(dy as tf.Tensor4D, 2, 2, 'valid'), 4)
  }
})

/**
 * Max over 2x2 blocks; the gradient goes to the pixels equal to their block's
 * maximum (a tie, rare except for ReLU zeros whose own gradient is zero,
 * sends it to each tied pixel).
 */
const maxPool2x = tf.customGrad((...args: GradArgs) => {
  const x = args[0] as tf.Tensor4D
  const save = args[1] as tf.GradSaveFunc
  const y = tf.maxPool(x, 2, 2, 'valid')
  save([x, y])
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, pooled] = saved as [tf.Tensor4D, tf.Tensor4D]
      const [, h, w] = input.shape
      const winners = tf.cast(tf.equal(input, tf.image.resizeNearestNeighbor(pooled, [h, w])), 'float32')
      return tf.mul(winners, tf.image.resizeNearestNeighbor(dy as tf.Tensor4D, [h, w]))
    }
  }
})

/** 2x2 max pooling, stride 2 (an odd trailing row/column is dropped, as 'valid' pooling does). */
export class MaxPool2x extends tf.layers.Layer {
  static className = 'MaxPool2x'

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w, c] = single(inputShape)
    return [b ?? null, half(h ?? null), half(w ?? null), c ?? null]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D
      const [b, h, w, c] = x.shape
      if (h % 2 !== 0 || w % 2 !== 0) x = tf.slice(x, [0, 0, 0, 0], [b, h - (h % 2), w - (w % 2), c])
      return maxPool2x(x)
    })
  }
}

/** Nearest-neighbour 2x up-sampling (each pixel becomes a 2x2 block). */
export class Upsample2x extends tf.layers.Layer {
  static className = 'Upsample2x'

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w, c] = single(inputShape)
    return [b ?? null, twice(h ?? null), twice(w ?? null), c ?? null]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => upsample2x((Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D))
  }
}

tf.serialization.registerClass(MaxPool2x)
tf.serialization.registerClass(Upsample2x)
