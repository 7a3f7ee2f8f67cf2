/**
 * The two ARCD networks and the supervised baseline (thesis 3.3.2, 4.3.3;
 * DRAEM's sub-networks with widths as settings).
 *
 * Reconstruction: encoder (depth+1 levels, two conv-BN-ReLU each, max pool
 * between) -> decoder (per level: nearest x2 up, three conv-BN-ReLU) -> 3x3
 * conv -> sigmoid, same shape as the input. The thesis's decoder has no
 * skips; with cfg.reconSkips each decoder level first concatenates the
 * encoder level of its size. With cfg.mflm the bottleneck's second conv is
 * an MFLM block.
 *
 * Discriminative / baseline: the same encoder, a U-Net decoder (up, conv,
 * concat with the encoder level, two convs, optional CALM), 3x3 conv ->
 * one independent sigmoid per class (defects and the lathe region overlap),
 * the sigmoid a layer after the conv so losses can take the logits.
 */
import * as tf from '@tensorflow/tfjs'
import type { ModelConfig } from '../../shared/arcd/config'
import { BuildContext, calm, convBnRelu, encoder, mflm, upsample, widthAt, type BuildOptions } from './blocks'
import { ResidualInput } from './residualInput'

type ST = tf.SymbolicTensor

export function validateModelConfig(cfg: ModelConfig, which: 'recon' | 'disc'): void {
  const base = which === 'recon' ? cfg.reconBase : cfg.discBase
  const depth = which === 'recon' ? cfg.reconDepth : cfg.discDepth
  const problems: string[] = []
  if (!(Number.isInteger(cfg.size) && cfg.size > 0)) problems.push(`size ${cfg.size} is not a positive integer`)
  if (!(Number.isInteger(cfg.channels) && cfg.channels > 0)) problems.push(`channels ${cfg.channels} is not a positive integer`)
  if (!(Number.isInteger(base) && base > 0)) problems.push(`base width ${base} is not a positive integer`)
  if (!(Number.isInteger(depth) && depth >= 1)) problems.push(`depth ${depth} must be an integer >= 1`)
  else if (cfg.size % 2 ** depth !== 0) problems.push(`size ${cfg.size} is not divisible by 2^depth = ${2 ** depth}`)
  if (problems.length > 0) throw new Error(`Invalid model config (${which}): ${problems.join('; ')}`)
}

/** Largest of 4, 2, 1 that divides the bottleneck side (the transformer's token grid). */
function tokenGrid(side: number): number {
  return [4, 2, 1].find((g) => side % g === 0 && g <= side) ?? 1
}

export function buildReconstruction(cfg: ModelConfig, opts: BuildOptions = {}): tf.LayersModel {
  validateModelConfig(cfg, 'recon')
  const name = opts.name ?? 'reconstruction'
  const ctx = new BuildContext(name, opts.seed)
  const input = tf.input({ name: ctx.name('input'), shape: [cfg.size, cfg.size, cfg.channels] })
  const depth = cfg.reconDepth
  const bottleneckSide = cfg.size / 2 ** depth
  const levels = encoder(
    ctx,
    input,
    cfg.reconBase,
    depth,
    cfg.mflm ? (x, filters) => mflm(ctx, x, filters, { grid: tokenGrid(bottleneckSide) }) : undefined
  )
  let x = levels[levels.length - 1]!
  for (let l = depth - 1; l >= 0; l--) {
    const w = widthAt(cfg.reconBase, l)
    x = upsample(ctx, x, `dec${l}_up`)
    if (cfg.reconSkips) x = tf.layers.concatenate({ name: ctx.name(`dec${l}_skip`), axis: -1 }).apply([x, levels[l]!]) as ST
    x = convBnRelu(ctx, x, w, `dec${l}_a`)
    x = convBnRelu(ctx, x, w, `dec${l}_b`)
    x = convBnRelu(ctx, x, w, `dec${l}_c`)
  }
  const out = tf.layers
    .conv2d({
      name: ctx.name('out'),
      filters: cfg.channels,
      kernelSize: 3,
      padding: 'same',
      activation: 'sigmoid',
      kernelInitializer: ctx.glorot()
    })
    .apply(x) as ST
  return tf.model({ name, inputs: input, outputs: out })
}

function buildUnet(cfg: ModelConfig, inChannels: number, numClasses: number, name: string, seed: number | undefined, residual = false): tf.LayersModel {
  validateModelConfig(cfg, 'disc')
  if (!(Number.isInteger(numClasses) && numClasses >= 1)) throw new Error(`numClasses must be a positive integer, got ${numClasses}`)
  const ctx = new BuildContext(name, seed)
  const input = tf.input({ name: ctx.name('input'), shape: [cfg.size, cfg.size, inChannels] })
  const first = residual ? (new ResidualInput({ name: ctx.name('residual') }).apply(input) as ST) : input
  const depth = cfg.discDepth
  const levels = encoder(ctx, first, cfg.discBase, depth)
  let x = levels[depth]!
  for (let l = depth - 1; l >= 0; l--) {
    const w = widthAt(cfg.discBase, l)
    x = upsample(ctx, x, `dec${l}_up`)
    x = convBnRelu(ctx, x, w, `dec${l}_upconv`)
    x = tf.layers.concatenate({ name: ctx.name(`dec${l}_skip`), axis: -1 }).apply([x, levels[l]!]) as ST
    x = convBnRelu(ctx, x, w, `dec${l}_a`)
    x = convBnRelu(ctx, x, w, `dec${l}_b`)
    if (cfg.calm) x = calm(ctx, x, `dec${l}_calm`)
  }
  // The sigmoid is a layer of its own so training can read the logits (logitsOf).
  const logits = tf.layers
    .conv2d({
      name: ctx.name(OUT),
      filters: numClasses,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: ctx.glorot()
    })
    .apply(x) as ST
  const out = tf.layers.activation({ name: ctx.name(`${OUT}_sigmoid`), activation: 'sigmoid' }).apply(logits) as ST
  return tf.model({ name, inputs: input, outputs: out })
}

const OUT = 'out'

/** The U-Net's last convolution, whose bias holds the output prior. */
export function outputConv(net: tf.LayersModel): tf.layers.Layer {
  return net.getLayer(`${net.name}_${OUT}`)
}

/**
 * The same network (shared layers and weights) up to the output's pre-sigmoid
 * values. A loss computed on probabilities clipped away from 0 has no
 * gradient once a class's sigmoid saturates there, and that class never
 * recovers; on logits cross-entropy's gradient stays p - y.
 */
export function logitsOf(net: tf.LayersModel): tf.LayersModel {
  return tf.model({ name: `${net.name}_logits`, inputs: net.inputs, outputs: outputConv(net).output as ST })
}

/**
 * Input: [image, reconstruction] concatenated on channels (2*cfg.channels),
 * read as [image, image - reconstruction] when cfg.reconResidual (the
 * model's own first layer does it, so callers always pass the
 * reconstruction). Output: one sigmoid map per class.
 */
export function buildDiscriminative(cfg: ModelConfig, numClasses: number, opts: BuildOptions = {}): tf.LayersModel {
  return buildUnet(cfg, 2 * cfg.channels, numClasses, opts.name ?? 'discriminative', opts.seed, cfg.reconResidual === true)
}

/** The supervised baseline: the same U-Net (cfg.calm honoured) on the image alone. */
export function buildBaselineUnet(cfg: ModelConfig, numClasses: number, opts: BuildOptions = {}): tf.LayersModel {
  return buildUnet(cfg, cfg.channels, numClasses, opts.name ?? 'baseline_unet', opts.seed)
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p))
  return Math.log(q / (1 - q))
}

/** Starts the output's bias at the defect prior, so an untrained pixel says "background, probably". */
export function setOutputPrior(net: tf.LayersModel, prior: number): void {
  const out = outputConv(net)
  const [kernel, bias] = out.getWeights()
  if (!kernel || !bias) throw new Error(`${out.name} has no bias to set`)
  const next = tf.fill(bias.shape, logit(prior))
  out.setWeights([kernel, next])
  next.dispose()
}
