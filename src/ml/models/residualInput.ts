/**
 * The first layer of a discriminative net that reads the reconstruction as
 * a residual: [image, reconstruction] in, [image, image - reconstruction]
 * out, no weights. The convolution after it could form the same sums from
 * [image, reconstruction] itself; what differs is where training starts.
 * Two near-copies of the frame give the first convolution a pair of large,
 * nearly equal inputs whose small difference it must learn to pull out;
 * on magnetic-tile ARCD trained that way fitted its training crops worse than
 * the same net given the frame twice and found a third as much
 * (docs/experiments.md, sixteenth measurement). The residual starts small
 * (a few grey levels) everywhere but where the reconstruction took
 * something out, so the net begins as a U-Net on the image and learns how
 * far to trust what the reconstruction removed.
 */
import * as tf from '@tensorflow/tfjs'

type Shape = (number | null)[]

export class ResidualInput extends tf.layers.Layer {
  static className = 'ResidualInput'

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape
    const channels = shape[shape.length - 1]
    if (shape.length !== 4 || channels == null || channels % 2 !== 0) throw new Error(`ResidualInput needs NHWC [image, reconstruction] with an even channel count, got [${shape.join(', ')}]`)
    return shape
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D
      const [image, recon] = tf.split(x, 2, 3)
      return tf.concat([image!, tf.sub(image!, recon!)], 3)
    })
  }
}

tf.serialization.registerClass(ResidualInput)

/** The convolution that reads the discriminative net's input (after ResidualInput, if any). */
function firstConv(disc: tf.LayersModel): tf.layers.Layer {
  return disc.getLayer(`${disc.name}_enc0_a_conv`)
}

/**
 * Turns a discriminative net's first convolution, just loaded from a net that
 * read its second half of input channels the other way, into one that
 * computes the same function. Reading [I, R] with kernel (W_I, W_R) equals
 * reading [I, I - R] with (W_I + W_R, -W_R), and the same formula maps the
 * residual reader back, so a retrain keeps what the older net learnt.
 */
export function convertResidualReading(disc: tf.LayersModel): void {
  const conv = firstConv(disc)
  const [kernel, ...rest] = conv.getWeights()
  if (!kernel || kernel.rank !== 4 || kernel.shape[2]! % 2 !== 0) {
    throw new Error(`convertResidualReading: ${conv.name} has no [kh, kw, 2C, F] kernel (got [${kernel?.shape.join(', ') ?? ''}])`)
  }
  const converted = tf.tidy(() => {
    const [wImage, wSecond] = tf.split(kernel as tf.Tensor4D, 2, 2)
    return tf.concat([tf.add(wImage!, wSecond!), tf.neg(wSecond!)], 2)
  })
  conv.setWeights([converted, ...rest])
  converted.dispose()
}

/**
 * After a warm start: converts the first convolution when the warm-start net
 * read the reconstruction the other way (residual or not) and that
 * convolution was loaded from it. Returns the line for the run's log, or
 * null when nothing changed.
 */
export function alignResidualReading(disc: tf.LayersModel, warmResidual: boolean, residual: boolean, loadedNames: readonly string[]): string | null {
  if (warmResidual === residual || !firstConv(disc).weights.every((w) => loadedNames.includes(w.originalName))) return null
  convertResidualReading(disc)
  return `warm start disc: its first convolution converted to read the reconstruction ${residual ? 'as a residual' : 'as it is'}, as the warm-start model's did the other way`
}

