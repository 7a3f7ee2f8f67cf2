/**
 * Building blocks shared by the networks, made of stock tf.layers plus three
 * registered custom layers (ChannelTransformer, MaxPool2x, Upsample2x,
 * ChannelBatchNorm) so the models serialise with tf.io and train on any
 * backend: conv2d, relu, concatenate, zeroPadding2d/cropping2D, average
 * and global pooling, dense, permute, multiply, sigmoid. See resample.ts for
 * why max pooling and up-sampling are our own.
 */
import * as tf from '@tensorflow/tfjs'
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers'
import { ChannelBatchNorm } from './batchNorm'
import { ChannelTransformer } from './channel-transformer'
import { MaxPool2x, Upsample2x } from './resample'

export interface BuildOptions {
  /** Seed for every initialiser: two builds with the same seed have identical weights. */
  seed?: number
  /** Model name (also prefixes layer names). */
  name?: string
}

type ST = tf.SymbolicTensor

/** Naming and seeding for one model build. */
export class BuildContext {
  private seedCounter = 0
  constructor(
    readonly prefix: string,
    private readonly seed: number | undefined
  ) {}

  name(part: string): string {
    return `${this.prefix}_${part}`
  }

  nextSeed(): number | undefined {
    return this.seed === undefined ? undefined : this.seed * 1000 + ++this.seedCounter
  }

  heNormal(): Initializer {
    const seed = this.nextSeed()
    return tf.initializers.heNormal(seed === undefined ? {} : { seed })
  }

  glorot(): Initializer {
    const seed = this.nextSeed()
    return tf.initializers.glorotUniform(seed === undefined ? {} : { seed })
  }
}

/**
 * Width of level l: base * 2^l, capped at 8x base from level 3 on, as DRAEM
 * does (its encoders go 1,2,4,8,8(,8)x); without the cap the GPU preset's
 * 5-level U-Net would end at 2048 channels.
 */
export function widthAt(base: number, level: number): number {
  return base * 2 ** Math.min(level, 3)
}

export function conv(ctx: BuildContext, x: ST, filters: number, name: string, opts: { kernel?: number; activation?: 'sigmoid' | 'linear'; bias?: boolean } = {}): ST {
  return tf.layers
    .conv2d({
      name: ctx.name(name),
      filters,
      kernelSize: opts.kernel ?? 3,
      padding: 'same',
      useBias: opts.bias ?? true,
      activation: opts.activation ?? 'linear',
      kernelInitializer: ctx.glorot()
    })
    .apply(x) as ST
}

/** conv (no bias: BN has its own shift) -> BN -> ReLU. */
export function convBnRelu(ctx: BuildContext, x: ST, filters: number, name: string, kernel = 3): ST {
  const c = tf.layers
    .conv2d({
      name: ctx.name(`${name}_conv`),
      filters,
      kernelSize: kernel,
      padding: 'same',
      useBias: false,
      kernelInitializer: ctx.heNormal()
    })
    .apply(x) as ST
  return bnRelu(ctx, c, name)
}

function bnRelu(ctx: BuildContext, x: ST, name: string): ST {
  // Momentum 0.9 (PyTorch's 0.1): TF.js's default 0.99 lags badly in short CPU runs.
  const bn = new ChannelBatchNorm({ name: ctx.name(`${name}_bn`), momentum: 0.9, epsilon: 1e-5 }).apply(x) as ST
  return tf.layers.reLU({ name: ctx.name(`${name}_relu`) }).apply(bn) as ST
}

/**
 * Encoder: level l holds two conv-BN-ReLU of widthAt(base, l), with a 2x2 max
 * pool before every level but the first. Returns every level's output (the
 * last is the bottleneck). `lastBlock` replaces the bottleneck's second conv
 * (MFLM goes there).
 */
export function encoder(
  ctx: BuildContext,
  input: ST,
  base: number,
  depth: number,
  lastBlock?: (x: ST, filters: number) => ST
): ST[] {
  const levels: ST[] = []
  let x = input
  for (let l = 0; l <= depth; l++) {
    if (l > 0) x = new MaxPool2x({ name: ctx.name(`enc${l}_pool`) }).apply(x) as ST
    const w = widthAt(base, l)
    x = convBnRelu(ctx, x, w, `enc${l}_a`)
    x = l === depth && lastBlock ? lastBlock(x, w) : convBnRelu(ctx, x, w, `enc${l}_b`)
    levels.push(x)
  }
  return levels
}

export function upsample(ctx: BuildContext, x: ST, name: string): ST {
  // Nearest x2 is exact pixel replication; TF.js bilinear (no half-pixel
  // centres) would shift every level by a quarter pixel.
  return new Upsample2x({ name: ctx.name(name) }).apply(x) as ST
}

/** Token width and heads of MFLM's transformer for a bottleneck of `channels`. */
export function mflmTransformerSize(channels: number): { tokenDim: number; heads: number } {
  // Thesis: 5 heads of width 64 at 512+ channels. Narrow CPU bottlenecks get
  // tokens no wider than the channel count and about one head per 16 channels
  // (at most 5), so the block stays a small share of the network.
  const tokenDim = Math.max(8, Math.min(64, channels))
  const heads = Math.max(1, Math.min(5, Math.floor(channels / 16)))
  return { tokenDim, heads }
}

/**
 * MFLM (thesis 4.3.1): SSPCAB masked dilated convolution (four k x k
 * sub-kernels at the corners of a (2k+2d+1)^2 field, the centre and a d-wide
 * ring masked; k=3, d=1), ReLU, then channel weights from the
 * ChannelTransformer. Built as zero-pad + four crops + four valid convs so
 * it serialises and differentiates like any conv.
 */
export function mflm(ctx: BuildContext, x: ST, filters: number, opts: { k?: number; d?: number; grid: number }): ST {
  const k = opts.k ?? 3
  const d = opts.d ?? 1
  const pad = k + d
  const border = k + 2 * d + 1
  const padded = tf.layers.zeroPadding2d({ name: ctx.name('mflm_pad'), padding: pad }).apply(x) as ST
  const crops: [[number, number], [number, number]][] = [
    [[0, border], [0, border]],
    [[0, border], [border, 0]],
    [[border, 0], [0, border]],
    [[border, 0], [border, 0]]
  ]
  const parts = crops.map((cropping, i) => {
    const cropped = tf.layers.cropping2D({ name: ctx.name(`mflm_crop${i}`), cropping }).apply(padded) as ST
    return tf.layers
      .conv2d({
        name: ctx.name(`mflm_sub${i}`),
        filters,
        kernelSize: k,
        padding: 'valid',
        useBias: i === 0,
        kernelInitializer: ctx.heNormal()
      })
      .apply(cropped) as ST
  })
  const summed = tf.layers.add({ name: ctx.name('mflm_sum') }).apply(parts) as ST
  const z = tf.layers.reLU({ name: ctx.name('mflm_relu') }).apply(summed) as ST
  const { tokenDim, heads } = mflmTransformerSize(filters)
  const seed = ctx.nextSeed()
  const weights = new ChannelTransformer({
    name: ctx.name('mflm_transformer'),
    tokenDim,
    heads,
    grid: opts.grid,
    ...(seed === undefined ? {} : { seed })
  }).apply(z) as ST
  return tf.layers.multiply({ name: ctx.name('mflm_scale') }).apply([z, weights]) as ST
}

/**
 * CALM (thesis 4.3.2): CBAM-style channel attention (shared MLP over the
 * average- and max-pooled vectors, summed, sigmoid), then coordinate
 * attention (average over x and over y separately, a shared 1x1 conv-BN-ReLU
 * on the concatenated strips, split, a 1x1 conv + sigmoid per direction) and
 * the product of both directional maps with the features.
 */
export function calm(ctx: BuildContext, x: ST, name: string): ST {
  const [, h, w, c] = x.shape
  if (h == null || w == null || c == null) throw new Error('CALM needs static feature shapes')
  // At least 8 hidden units: with 4, a narrow level can start with every ReLU dead.
  const hidden = Math.max(8, Math.ceil(c / 16))
  const mip = Math.max(8, Math.ceil(c / 16))
  const n = (part: string): string => ctx.name(`${name}_${part}`)

  const gap = tf.layers.globalAveragePooling2d({ name: n('gap') }).apply(x) as ST
  const gmp = tf.layers.globalMaxPooling2d({ name: n('gmp') }).apply(x) as ST
  const fc1 = tf.layers.dense({ name: n('fc1'), units: hidden, activation: 'relu', kernelInitializer: ctx.heNormal() })
  const fc2 = tf.layers.dense({ name: n('fc2'), units: c, kernelInitializer: ctx.glorot() })
  const both = tf.layers.add({ name: n('ch_sum') }).apply([fc2.apply(fc1.apply(gap)), fc2.apply(fc1.apply(gmp))] as ST[]) as ST
  const chWeights = tf.layers.activation({ name: n('ch_sigmoid'), activation: 'sigmoid' }).apply(both) as ST
  const chMap = tf.layers.reshape({ name: n('ch_reshape'), targetShape: [1, 1, c] }).apply(chWeights) as ST
  const xc = tf.layers.multiply({ name: n('ch_scale') }).apply([x, chMap]) as ST

  const alongX = tf.layers.averagePooling2d({ name: n('pool_x'), poolSize: [1, w], strides: [1, w] }).apply(xc) as ST // [h,1,c]
  const alongY = tf.layers.averagePooling2d({ name: n('pool_y'), poolSize: [h, 1], strides: [h, 1] }).apply(xc) as ST // [1,w,c]
  const alongYT = tf.layers.permute({ name: n('perm_y'), dims: [2, 1, 3] }).apply(alongY) as ST // [w,1,c]
  const strips = tf.layers.concatenate({ name: n('strips'), axis: 1 }).apply([alongX, alongYT]) as ST // [h+w,1,c]
  const mixed = convBnRelu(ctx, strips, mip, `${name}_coord`, 1)
  const partH = tf.layers.cropping2D({ name: n('split_h'), cropping: [[0, w], [0, 0]] }).apply(mixed) as ST // [h,1,mip]
  const partW = tf.layers.cropping2D({ name: n('split_w'), cropping: [[h, 0], [0, 0]] }).apply(mixed) as ST // [w,1,mip]
  const partWT = tf.layers.permute({ name: n('perm_w'), dims: [2, 1, 3] }).apply(partW) as ST // [1,w,mip]
  const attH = conv(ctx, partH, c, `${name}_att_h`, { kernel: 1, activation: 'sigmoid' })
  const attW = conv(ctx, partWT, c, `${name}_att_w`, { kernel: 1, activation: 'sigmoid' })
  return tf.layers.multiply({ name: n('coord_scale') }).apply([xc, attH, attW]) as ST
}
