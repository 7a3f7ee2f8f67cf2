/**
 * The attention half of MFLM (thesis 4.3.1, after SSMCTB): channel attention
 * computed by a one-layer transformer whose tokens are the channels.
 *
 *   Z (h x w x c) --avg pool--> grid x grid x c --per channel flatten--> A (c x n)
 *   T = A W_t + b_t + E_pos                       (c x d tokens)
 *   P = sum_j softmax(Q_j K_j^T / sqrt d) V_j + R  (eq. 4-3..4-8; heads SUMMED, each d wide)
 *   R' = MLP(LN(P)) + P                            (eq. 4-2)
 *   s = sigmoid(R' w_o + b_o)                      (one weight per channel)
 *
 * The layer outputs s as [batch, 1, 1, c]; the caller multiplies Z by it, as
 * SSPCAB does with its SE weights. Only matMul, softmax, mean/variance and
 * element-wise ops: all differentiable on every TF.js backend.
 */
import * as tf from '@tensorflow/tfjs'
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology'
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers'
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables'

export interface ChannelTransformerArgs extends LayerArgs {
  /** Token width d (thesis: 64). */
  tokenDim: number
  /** Attention heads (thesis: 5). */
  heads: number
  /** The feature map is average-pooled to grid x grid before tokenising. */
  grid: number
  /** MLP hidden width = mlpRatio * tokenDim. */
  mlpRatio?: number
  /** Seed for the initial weights (for reproducible builds). */
  seed?: number
}

type Shape = (number | null)[]

const LN_EPS = 1e-5

export class ChannelTransformer extends tf.layers.Layer {
  static className = 'ChannelTransformer'
  readonly tokenDim: number
  readonly heads: number
  readonly grid: number
  readonly mlpRatio: number
  readonly seed: number | undefined
  private w: Record<string, LayerVariable> = {}
  private inputHW: [number, number] = [0, 0]
  private channels = 0

  constructor(args: ChannelTransformerArgs) {
    super(args)
    this.tokenDim = args.tokenDim
    this.heads = args.heads
    this.grid = args.grid
    this.mlpRatio = args.mlpRatio ?? 2
    this.seed = args.seed
    if (!(this.tokenDim > 0 && this.heads > 0 && this.grid > 0)) {
      throw new Error(`ChannelTransformer: tokenDim, heads and grid must be positive (${this.tokenDim}, ${this.heads}, ${this.grid})`)
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape
    const [, h, w, c] = shape
    if (h == null || w == null || c == null) throw new Error('ChannelTransformer: needs a static [h, w, c] input shape')
    if (h % this.grid !== 0 || w % this.grid !== 0) {
      throw new Error(`ChannelTransformer: feature map ${h}x${w} is not divisible by grid ${this.grid}`)
    }
    this.inputHW = [h, w]
    this.channels = c
    const d = this.tokenDim
    const n = this.grid * this.grid
    const hidden = Math.round(this.mlpRatio * d)
    let k = 0
    const seeded = (): { seed?: number } => (this.seed === undefined ? {} : { seed: this.seed + 7919 * ++k })
    const glorot = (): Initializer => tf.initializers.glorotUniform(seeded())
    const zeros = tf.initializers.zeros()
    const ones = tf.initializers.ones()
    const add = (name: string, s: number[], init: Initializer): void => {
      this.w[name] = this.addWeight(name, s, 'float32', init)
    }
    add('token_kernel', [n, d], glorot())
    add('token_bias', [d], zeros)
    add('pos_embedding', [c, d], tf.initializers.truncatedNormal({ stddev: 0.02, ...seeded() }))
    add('ln1_gamma', [d], ones)
    add('ln1_beta', [d], zeros)
    add('query', [d, this.heads * d], glorot())
    add('key', [d, this.heads * d], glorot())
    add('value', [d, this.heads * d], glorot())
    add('ln2_gamma', [d], ones)
    add('ln2_beta', [d], zeros)
    add('mlp1_kernel', [d, hidden], glorot())
    add('mlp1_bias', [hidden], zeros)
    add('mlp2_kernel', [hidden, d], glorot())
    add('mlp2_bias', [d], zeros)
    add('out_kernel', [d, 1], glorot())
    add('out_bias', [1], zeros)
    this.built = true
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape
    return [shape[0] ?? null, 1, 1, shape[3] ?? null]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D
      const [b, h, w, c] = x.shape
      const d = this.tokenDim
      const H = this.heads
      const n = this.grid * this.grid
      const v = (name: string): tf.Tensor => this.w[name]!.read()
      const pooled = tf.avgPool(x, [h / this.grid, w / this.grid], [h / this.grid, w / this.grid], 'valid')
      const perChannel = tf.transpose(tf.reshape(pooled, [b, n, c]), [0, 2, 1]) // [b, c, n]
      const linear = (t: tf.Tensor, kernel: string, bias: string | null, inW: number, outW: number): tf.Tensor => {
        const lead = t.shape.slice(0, -1)
        let y: tf.Tensor = tf.matMul(tf.reshape(t, [-1, inW]) as tf.Tensor2D, v(kernel) as tf.Tensor2D)
        if (bias) y = tf.add(y, v(bias))
        return tf.reshape(y, [...lead, outW])
      }
      const R = tf.add(linear(perChannel, 'token_kernel', 'token_bias', n, d), v('pos_embedding')) // [b, c, d]
      const norm1 = layerNorm(R, v('ln1_gamma'), v('ln1_beta'))
      const split = (t: tf.Tensor): tf.Tensor4D =>
        tf.transpose(tf.reshape(t, [b, c, H, d]), [0, 2, 1, 3]) as tf.Tensor4D // [b, H, c, d]
      const q = split(linear(norm1, 'query', null, d, H * d))
      const k = split(linear(norm1, 'key', null, d, H * d))
      const val = split(linear(norm1, 'value', null, d, H * d))
      const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(d))
      const attended = tf.sum(tf.matMul(tf.softmax(scores), val), 1) // heads summed (eq. 4-7): [b, c, d]
      const P = tf.add(attended, R)
      const norm2 = layerNorm(P, v('ln2_gamma'), v('ln2_beta'))
      const hidden = Math.round(this.mlpRatio * d)
      const mlp = linear(tf.relu(linear(norm2, 'mlp1_kernel', 'mlp1_bias', d, hidden)), 'mlp2_kernel', 'mlp2_bias', hidden, d)
      const R2 = tf.add(mlp, P)
      const s = tf.sigmoid(linear(R2, 'out_kernel', 'out_bias', d, 1)) // [b, c, 1]
      return tf.reshape(s, [b, 1, 1, c])
    })
  }

  /** Floating-point operations of one forward pass for one image (multiply-add = 2). */
  flops(): number {
    const [h, w] = this.inputHW
    const c = this.channels
    const d = this.tokenDim
    const H = this.heads
    const n = this.grid * this.grid
    const hidden = Math.round(this.mlpRatio * d)
    const pool = h * w * c
    const tokens = 2 * c * n * d
    const qkv = 3 * 2 * c * d * H * d
    const attention = H * (2 * c * c * d + 2 * c * c * d)
    const mlp = 2 * c * d * hidden * 2
    return pool + tokens + qkv + attention + mlp + 2 * c * d
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      tokenDim: this.tokenDim,
      heads: this.heads,
      grid: this.grid,
      mlpRatio: this.mlpRatio
    }
    if (this.seed !== undefined) config.seed = this.seed
    return { ...super.getConfig(), ...config }
  }
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true)
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS))), gamma), beta)
}

tf.serialization.registerClass(ChannelTransformer)
