import * as tf from '@tensorflow/tfjs'

/**
 * The bench network: a small U-Net written with plain TF.js ops so the same
 * code runs on every backend. Keep it layer-for-layer equal to UNet in
 * torch_unet.py, or the PyTorch ratio stops meaning anything.
 */
export interface UNetSpec {
  inChannels: number
  outChannels: number
  /** Width of the first level; doubles per level. */
  base: number
  /** Number of resolution levels (depth - 1 max-pool steps). */
  depth: number
}

/** The app's CPU preset widths (resources/presets/cpu.json: base 8, depth 4): what training on this machine runs. */
export const BENCH_UNET: UNetSpec = { inChannels: 6, outChannels: 3, base: 8, depth: 4 }

interface ConvParams {
  w: tf.Variable<tf.Rank.R4>
  b: tf.Variable<tf.Rank.R1>
}

export interface UNet {
  spec: UNetSpec
  variables: tf.Variable[]
  paramCount: number
  /** NHWC input [B, H, W, inChannels] -> sigmoid map [B, H, W, outChannels]; H, W divisible by 2^(depth-1). */
  apply(x: tf.Tensor4D): tf.Tensor4D
  /** Multiply-adds x2 of all convolutions for one image of size x size (the usual FLOP count). */
  flops(size: number): number
  dispose(): void
}

function makeConv(k: number, cin: number, cout: number, rng: () => number): ConvParams {
  // PyTorch's default Conv2d init, so both twins start from the same distribution.
  const bound = 1 / Math.sqrt(cin * k * k)
  const w = tf.tidy(() => tf.randomUniform([k, k, cin, cout], -bound, bound, 'float32', rng()))
  const b = tf.tidy(() => tf.randomUniform([cout], -bound, bound, 'float32', rng()))
  return { w: tf.variable(w as tf.Tensor4D), b: tf.variable(b as tf.Tensor1D) }
}

export function createUNet(spec: UNetSpec = BENCH_UNET, seed = 1): UNet {
  if (spec.depth < 2) throw new Error(`UNet depth must be at least 2, got ${spec.depth}`)
  let s = seed
  const rng = (): number => (s = (s * 1103515245 + 12345) % 2147483648)
  const widths = Array.from({ length: spec.depth }, (_, i) => spec.base * 2 ** i)
  const enc: [ConvParams, ConvParams][] = []
  let prev = spec.inChannels
  for (const w of widths) {
    enc.push([makeConv(3, prev, w, rng), makeConv(3, w, w, rng)])
    prev = w
  }
  const dec: [ConvParams, ConvParams, ConvParams][] = []
  for (let level = spec.depth - 2; level >= 0; level--) {
    const w = widths[level]!
    dec.push([makeConv(3, widths[level + 1]!, w, rng), makeConv(3, 2 * w, w, rng), makeConv(3, w, w, rng)])
  }
  const head = makeConv(1, widths[0]!, spec.outChannels, rng)
  const all: ConvParams[] = [...enc.flat(), ...dec.flat(), head]
  const variables: tf.Variable[] = all.flatMap((c) => [c.w, c.b])

  // fused.conv2d runs as one XNNPACK call at inference; under a gradient tape
  // TF.js splits it into conv2d + add + relu so the gradients exist.
  const conv = (x: tf.Tensor4D, p: ConvParams, activation: 'relu' | 'linear'): tf.Tensor4D =>
    tf.fused.conv2d({ x, filter: p.w, bias: p.b, strides: 1, pad: 'same', activation })

  const apply = (input: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const skips: tf.Tensor4D[] = []
      let x = input
      enc.forEach(([c1, c2], i) => {
        if (i > 0) x = tf.maxPool(x, 2, 2, 'valid')
        x = conv(conv(x, c1, 'relu'), c2, 'relu')
        skips.push(x)
      })
      skips.pop()
      for (const [up, c1, c2] of dec) {
        const [h, w] = [x.shape[1], x.shape[2]]
        // halfPixelCenters matches PyTorch's align_corners=False.
        x = tf.image.resizeBilinear(x, [h * 2, w * 2], false, true)
        x = conv(x, up, 'relu')
        x = tf.concat([skips.pop()!, x], 3)
        x = conv(conv(x, c1, 'relu'), c2, 'relu')
      }
      return tf.sigmoid(conv(x, head, 'linear'))
    })

  const flops = (size: number): number => {
    let total = 0
    const add = (res: number, k: number, cin: number, cout: number): void => {
      total += 2 * res * res * k * k * cin * cout
    }
    let p = spec.inChannels
    widths.forEach((w, i) => {
      const res = size / 2 ** i
      add(res, 3, p, w)
      add(res, 3, w, w)
      p = w
    })
    for (let level = spec.depth - 2; level >= 0; level--) {
      const res = size / 2 ** level
      const w = widths[level]!
      add(res, 3, widths[level + 1]!, w)
      add(res, 3, 2 * w, w)
      add(res, 3, w, w)
    }
    add(size, 1, widths[0]!, spec.outChannels)
    return total
  }

  return {
    spec,
    variables,
    paramCount: variables.reduce((n, v) => n + v.size, 0),
    apply,
    flops,
    dispose: () => variables.forEach((v) => v.dispose())
  }
}
