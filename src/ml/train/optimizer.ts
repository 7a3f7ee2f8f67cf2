/**
 * Adam with a settable learning rate and a saveable state. TF.js's Adam keys
 * its moments by position in the gradient list, so gradients are always
 * applied as a list in the model's trainable-weight order; a restored state
 * then lines up with a model rebuilt in another process, whatever its
 * variable names.
 */
import * as tf from '@tensorflow/tfjs'
import { readTensorFiles, writeTensorFiles } from '../io/weights'

export class ScheduledAdam extends tf.AdamOptimizer {
  constructor(lr: number) {
    super(lr, 0.9, 0.999, 1e-7)
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr
  }

  get lr(): number {
    return this.learningRate
  }

  /** One optimisation step; returns the loss (caller disposes). */
  step(model: tf.LayersModel, lossFn: () => tf.Scalar): tf.Scalar {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    const { value, grads } = tf.variableGrads(lossFn, vars)
    try {
      this.applyGradients(vars.map((v) => ({ name: v.name, tensor: grads[v.name]! })))
    } finally {
      tf.dispose(Object.values(grads))
    }
    return value
  }

  async save(dir: string): Promise<void> {
    const state = await this.getWeights()
    try {
      await writeTensorFiles(dir, 'optimizer', state)
    } finally {
      // getWeights makes a fresh iteration-count scalar; the moments are the live variables.
      state[0]?.tensor.dispose()
    }
  }

  async load(dir: string): Promise<void> {
    const state = await readTensorFiles(dir, 'optimizer')
    try {
      await this.setWeights(state)
    } finally {
      // setWeights makes its own variables from these tensors.
      tf.dispose(state.map((s) => s.tensor))
    }
  }
}
