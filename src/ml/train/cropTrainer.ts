/**
 * Training on crops at the analysis scale ('tiles' input), the recipe that
 * works at small budgets (DESIGN.md section 2, issue 11):
 *
 * - Frames are loaded once at the analysis scale; labels are rasterised there
 *   by the one rasteriser (plain masks: the same ground truth evaluation uses).
 * - Only classes with labels in the training data get outputs; the others
 *   are reported as "not trained: no labels".
 * - Stage 1 (ARCD): crops of normal training frames with simulated
 *   anomalies, loss L2 + ssimWeight x (1 - SSIM). Reused from the warm-start
 *   model when its normal frames and stage-1 settings are the same.
 * - Stage 2: crops, `defectCropShare` of them centred (with jitter) on a
 *   labelled pixel of a class drawn uniformly, the rest anywhere in any
 *   training frame (normal ones included); flips and 90-degree turns; the
 *   frozen reconstruction is computed per crop; calibrated loss (output bias
 *   at the defect prior, fixed class weight, focal + soft Dice).
 * - The step count follows from a time budget and the speed measured on the
 *   first batches. Validation runs `evalRounds` times per stage with tiled
 *   inference on validation frames; stage 2 keeps the weights with the best
 *   mean pixel AP over the defect classes, and stops early on it.
 * - Thresholds: best F1 per class on validation, falling back per class to
 *   training frames (with a warning) where validation has no positives.
 */
import * as tf from '@tensorflow/tfjs'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { DEFAULT_MAX_SHORT_SIDE, DEFAULT_TILE_OVERLAP, type ModelConfig, type TrainConfig } from '../../shared/arcd/config'
import { SegmentationEvaluator, reconstructionAccuracyRA, type EvalReport } from '../../shared/arcd/metrics'
import type { ClassSpec, DatasetItem, EpochRecord, StageSummary, TrainJobSpec, TrainPlan, TrainResult } from '../../shared/arcd/protocol'
import { classMapper, loadAnalysisFrame, rasterizeLabels, type AnalysisFrame } from '../data/analysis'
import { extractCrop, placeCrop, tileStarts, type CropWindow, type Dihedral } from '../data/crops'
import type { Rng } from '../data/rng'
import { simulateAnomaly } from '../data/simulate'
import { predictFrameTiled, type TiledPrediction } from '../infer/tiles'
import { discInput } from '../infer/predictor'
import { exists } from '../io/files'
import { buildManifest, buildNets, disposeNets, readModelConfig, writeModelDir, type Nets } from '../io/modelDir'
import { loadModelWeights, warmStartWeights } from '../io/weights'
import { CancelledError, badInput, log, yieldToEventLoop, type JobContext } from '../jobs/context'
import { reconstructionLossParts } from '../losses/reconstruction'
import { segmentationLoss } from '../losses/segmentation'
import { stack } from './batches'
import { checkpointsDir, findCheckpoint, readCheckpointState, stageResumeFrom, writeCheckpoint, type CheckpointState } from './checkpoint'
import { runStage, type PreparedBatch, type StageHooks, type StagePlan, type StageResume } from './stage'
import { streamRng } from './streams'

/** Validation frames scored per round: enough for a stable AP, few enough to keep rounds cheap. */
const MAX_VAL_LABELLED = 24
const MAX_VAL_NORMAL = 8
/** Most of a stage's time goes to training: validation rounds are thinned to fit this share. */
const MAX_VAL_SHARE = 0.15
/** Training frames used per class when validation has no positives of it. */
const MAX_FALLBACK_FRAMES = 24
const STAGE1_VAL_CROPS = 32
const EXTRA_TEXTURES = 16
/** Labelled pixels remembered per frame and class as crop centres. */
const MAX_CENTRES = 4096

export interface TileFrame {
  item: DatasetItem
  frame: AnalysisFrame
  /** width*height*K 0/1, channels = the model's classes. */
  targets: Uint8Array
  /** Per model class, a sample of labelled pixel indices (y * width + x). */
  centres: Uint32Array[]
}

/** Analysis-scale frames by maxShortSide and path, shared by runs in one process. */
export type AnalysisCache = Map<string, AnalysisFrame>

export interface TileTrainOptions {
  analysisCache?: AnalysisCache
}

interface Ctx {
  spec: TrainJobSpec
  ctx: JobContext
  nets: Nets
  classes: ClassSpec[]
  model: Required<Pick<ModelConfig, 'maxShortSide' | 'tileOverlap'>> & ModelConfig
  train: TrainConfig
  hooks: StageHooks
  plan: TrainPlan
  started: number
  warnings: string[]
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** What stage 1 learns from: the normal training frames and the settings that shape the reconstruction. */
export function reconKeyOf(items: DatasetItem[], model: ModelConfig, train: TrainConfig): string {
  const normals = items
    .filter((it) => it.normal && it.split === 'train')
    .map((it) => `${String(it.id)}:${it.hash ?? it.path}`)
    .sort()
  const h = createHash('sha256')
  h.update(JSON.stringify({ normals, size: model.size, base: model.reconBase, depth: model.reconDepth, mflm: model.mflm, channels: model.channels, maxShortSide: model.maxShortSide ?? DEFAULT_MAX_SHORT_SIDE, ssimWeight: train.ssimWeight, anomalyProbability: train.anomalyProbability }))
  return h.digest('hex').slice(0, 32)
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p))
  return Math.log(q / (1 - q))
}

/** Starts the output layer's bias at the defect prior, so an untrained pixel says "background, probably". */
function setOutputPrior(model: tf.LayersModel, prior: number): void {
  const out = model.layers[model.layers.length - 1]!
  const weights = out.getWeights()
  if (weights.length < 2) return
  const bias = weights[1]!
  const next = tf.fill(bias.shape, logit(prior))
  out.setWeights([weights[0]!, next])
  next.dispose()
}

function randomDihedral(rng: Rng, rotate90: boolean): Dihedral {
  return { transpose: rotate90 && rng.next() < 0.5, flipX: rng.next() < 0.5, flipY: rng.next() < 0.5 }
}

function randomWindow(rng: Rng, f: AnalysisFrame, size: number, rotate90: boolean): CropWindow {
  const x0 = f.width > size ? rng.int(0, f.width - size) : Math.floor((f.width - size) / 2)
  const y0 = f.height > size ? rng.int(0, f.height - size) : Math.floor((f.height - size) / 2)
  return { x0, y0, size, t: randomDihedral(rng, rotate90) }
}

// ==================================================================== data

async function loadTileFrames(c: Ctx, items: DatasetItem[], cache?: AnalysisCache): Promise<TileFrame[]> {
  const { spec, ctx, classes } = c
  const K = classes.length
  const map = classMapper(spec.classes, classes)
  const out: TileFrame[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (ctx.isCancelled()) throw new CancelledError()
      const k = next++
      const item = items[k]!
      const key = `${c.model.maxShortSide}:${item.path}`
      let frame = cache?.get(key)
      if (!frame) {
        try {
          frame = await loadAnalysisFrame(item.path, c.model.maxShortSide, { width: item.width, height: item.height })
        } catch (err) {
          throw badInput(`image ${String(item.id)}: ${(err as Error).message}`)
        }
        cache?.set(key, frame)
        await yieldToEventLoop()
      } else if (frame.srcWidth !== item.width || frame.srcHeight !== item.height) {
        throw badInput(`image ${String(item.id)} (${item.path}) is ${frame.srcWidth}x${frame.srcHeight}, the dataset says ${item.width}x${item.height}`)
      }
      const targets = rasterizeLabels(item, frame, K, map)
      const rng = streamRng(spec.train.seed, 21, k)
      const centres = classes.map((_, ci) => {
        const idx: number[] = []
        for (let i = 0; i < frame!.width * frame!.height; i++) if (targets[i * K + ci]) idx.push(i)
        return Uint32Array.from(idx.length > MAX_CENTRES ? rng.sample(idx, MAX_CENTRES) : idx)
      })
      out[k] = { item, frame, targets, centres }
    }
  }
  await Promise.all([worker(), worker()])
  return out
}

// ==================================================================== step budget

/**
 * Seconds per optimiser step, measured on throwaway gradients (the weights
 * do not move): one warm-up step, then one timed.
 */
async function secondsPerStep(model: tf.LayersModel, prepare: (k: number) => PreparedBatch): Promise<number> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const once = async (k: number): Promise<number> => {
    const t0 = performance.now()
    const batch = prepare(k)
    try {
      const { value, grads } = tf.variableGrads(batch.loss, vars)
      await value.data()
      tf.dispose([value, ...Object.values(grads)])
    } finally {
      batch.dispose()
    }
    return (performance.now() - t0) / 1000
  }
  // The first step pays for kernel set-up and allocation; time the second.
  await once(0)
  return once(1)
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t0) / 1000 }
}

/**
 * Validation rounds and steps for a stage of `seconds`: at most `maxRounds`
 * rounds, fewer when they would take more than MAX_VAL_SHARE of the time,
 * and the steps that fit in the rest (at least one per round).
 */
function scheduleFor(seconds: number, stepSec: number, valSec: number, maxRounds: number): { rounds: number; steps: number } {
  const rounds = Math.max(1, Math.min(maxRounds, Math.floor((MAX_VAL_SHARE * seconds) / Math.max(valSec, 1e-3))))
  const usable = seconds - rounds * valSec
  return { rounds, steps: Math.max(rounds, Math.floor(usable / Math.max(stepSec, 1e-3))) }
}

/**
 * When a stage planned for `seconds` (validation rounds included) must stop
 * training: one validation pass before its end, so the last round still fits.
 * A stage ending late by a step is fine; one running twice its time (a CPU
 * that got busier after the speed probe: 27 minutes of a 15-minute budget
 * were seen) is not.
 */
function stageDeadline(seconds: number, valSec: number): StagePlan['deadline'] {
  return { at: performance.now() + Math.max(0, seconds - valSec) * 1000 }
}

/** A stage cut short by its time share says so in the run: the CPU was slower than the probe measured. */
function noteOutOfTime(c: Ctx, name: string, summary: StageSummary, planned: number): void {
  if (!summary.outOfTime) return
  c.warnings.push(
    `${name} stopped at its share of the time budget after ${summary.epochsRun} validation rounds, before its ${planned} planned steps: ` +
      'the CPU was slower than the speed measured at the start (other programs running?)'
  )
}

function budgetLeft(c: Ctx): number {
  return c.train.budgetMinutes * 60 - (performance.now() - c.started) / 1000
}

function stagePlanShape(totalSteps: number, rounds: number, batchSize: number): { epochs: number; stepsPerEpoch: number; trainImages: number } {
  const epochs = Math.max(1, Math.min(rounds, totalSteps))
  const stepsPerEpoch = Math.max(1, Math.ceil(totalSteps / epochs))
  return { epochs, stepsPerEpoch, trainImages: stepsPerEpoch * batchSize }
}

// ==================================================================== stage 1

interface Stage1Out {
  quality: { ra: number; ssim: number; l2: number } | null
}

async function stageRecon(c: Ctx, frames: TileFrame[], resume: StageResume | null, stage2Follows: boolean): Promise<Stage1Out> {
  const { ctx, nets, train } = c
  const recon = nets.recon!
  const size = c.model.size
  const trainN = frames.filter((f) => f.item.normal && f.item.split === 'train')
  const valN = frames.filter((f) => f.item.normal && f.item.split === 'val')
  if (trainN.length === 0) throw badInput('stage 1 needs normal frames in the training split (mark defect-free frames as normal)')
  const texRng = streamRng(train.seed, 11)
  const extraTextures = Array.from({ length: Math.min(EXTRA_TEXTURES, trainN.length * 2) }, () => {
    const f = trainN[texRng.int(0, trainN.length - 1)]!.frame
    return extractCrop(f.rgb, f.width, f.height, 3, randomWindow(texRng, f, size, true))
  })
  const simulate = (crop: Float32Array, rng: Rng): Float32Array =>
    simulateAnomaly(crop, size, rng, { probability: train.anomalyProbability, extraTextures }).image
  // Fixed validation inputs: the same crops and simulated anomalies every round.
  const valRng = streamRng(train.seed, 12)
  const valClean: Float32Array[] = []
  const valInputs: Float32Array[] = []
  for (let i = 0; i < Math.min(STAGE1_VAL_CROPS, valN.length * 2); i++) {
    const f = valN[i % valN.length]!.frame
    const crop = extractCrop(f.rgb, f.width, f.height, 3, randomWindow(valRng, f, size, false))
    valClean.push(crop)
    valInputs.push(simulateAnomaly(crop, size, valRng, { probability: 1, extraTextures }).image)
  }
  const prepare = (epoch: number, step: number): PreparedBatch => {
    const rng = streamRng(train.seed, 2, epoch, step)
    const clean: Float32Array[] = []
    const inputs: Float32Array[] = []
    for (let b = 0; b < train.batchSize; b++) {
      const f = trainN[rng.int(0, trainN.length - 1)]!.frame
      const crop = extractCrop(f.rgb, f.width, f.height, 3, randomWindow(rng, f, size, train.rotate90))
      clean.push(crop)
      inputs.push(simulate(crop, rng))
    }
    const x = stack(inputs, size, 3)
    const y = stack(clean, size, 3)
    return {
      images: clean.length,
      loss: () => reconstructionLossParts(y, recon.apply(x, { training: true }) as tf.Tensor4D, train.ssimWeight).total,
      dispose: () => tf.dispose([x, y])
    }
  }
  const measureVal = async (): Promise<{ loss: number | null; metrics?: Record<string, number | null> }> => {
    if (valInputs.length === 0) return { loss: null }
    let loss = 0
    let l2 = 0
    let s = 0
    for (let i = 0; i < valInputs.length; i += train.batchSize) {
      const n = Math.min(train.batchSize, valInputs.length - i)
      const parts = tf.tidy(() => {
        const x = stack(valInputs.slice(i, i + n), size, 3)
        const y = stack(valClean.slice(i, i + n), size, 3)
        const p = reconstructionLossParts(y, recon.apply(x, { training: false }) as tf.Tensor4D, train.ssimWeight)
        return [p.total, p.l2, p.ssim]
      })
      const [t, a, b] = await Promise.all(parts.map((p) => p.data()))
      tf.dispose(parts)
      loss += t![0]! * n
      l2 += a![0]! * n
      s += b![0]! * n
    }
    const N = valInputs.length
    return { loss: loss / N, metrics: { l2: l2 / N, ssim: s / N, ra: reconstructionAccuracyRA(l2 / N, s / N) } }
  }

  let rounds = c.plan.stage1Rounds ?? Math.max(1, train.evalRounds)
  let steps = c.plan.stage1Steps
  let deadline: StagePlan['deadline']
  if (!(resume && steps > 0)) {
    if (train.budgetMinutes > 0) {
      const stepSec = await secondsPerStep(recon, (k) => prepare(-1, k))
      const valSec = (await timed(measureVal)).seconds
      // Frame loading has already spent part of the budget; the stages share what is left.
      const seconds = budgetLeft(c) * (stage2Follows ? train.stage1Share : 1) - valSec
      ;({ rounds, steps } = scheduleFor(seconds, stepSec, valSec, rounds))
      deadline = stageDeadline(seconds, valSec)
      c.plan.secondsPerStep.recon = stepSec
      log(ctx, 'info', `stage 1: ${stepSec.toFixed(2)} s a step, validation ${valSec.toFixed(1)} s: ${steps} steps and ${rounds} validation rounds in ${(seconds / 60).toFixed(1)} min`)
    } else {
      steps = train.stage1Steps
    }
    c.plan.stage1Steps = steps
    c.plan.stage1Rounds = rounds
  }
  const shape = stagePlanShape(steps, rounds, train.batchSize)
  log(ctx, 'info', `stage 1: ${trainN.length} normal training frames, ${valN.length} validation frames; ${steps} steps of ${train.batchSize} crops of ${size} px`)
  const plan: StagePlan = {
    stage: 'recon',
    model: recon,
    epochs: shape.epochs,
    batchSize: train.batchSize,
    lr: train.lr,
    patience: train.patience,
    trainImages: shape.trainImages,
    valImages: valInputs.length,
    warmupSteps: Math.round(train.warmupShare * shape.epochs * shape.stepsPerEpoch),
    epochOrder: () => Array.from({ length: shape.trainImages }, (_, i) => i),
    prepare: (_indices, epoch, step) => prepare(epoch, step),
    validate: measureVal,
    ...(deadline ? { deadline } : {})
  }
  noteOutOfTime(c, 'stage 1', await runStage(plan, c.hooks, resume), steps)
  const final = await measureVal()
  const m = final.metrics
  const quality = m && m.l2 != null && m.ssim != null ? { ra: m.ra ?? 0, ssim: m.ssim, l2: m.l2 } : null
  if (quality) log(ctx, 'info', `stage 1 on validation crops: SSIM ${quality.ssim.toFixed(3)}, L2 ${quality.l2.toFixed(5)}, RA ${quality.ra.toFixed(3)}`)
  return { quality }
}

// ==================================================================== stage 2

function defectChannels(classes: ClassSpec[]): number[] {
  const d = classes.flatMap((cl, i) => (cl.kind === 'defect' ? [i] : []))
  return d.length > 0 ? d : classes.map((_, i) => i)
}

/** Seconds for one validation pass, from timing the tiles of its first frames (a full pass costs minutes on a CPU). */
async function estimateValSeconds(c: Ctx, frames: TileFrame[]): Promise<number> {
  if (frames.length === 0) return 0
  const tilesOf = (f: TileFrame): number =>
    tileStarts(f.frame.width, c.model.size, c.model.tileOverlap).length * tileStarts(f.frame.height, c.model.size, c.model.tileOverlap).length
  const probe = frames.slice(0, 2)
  const { seconds } = await timed(() => predictFrames(c, probe))
  const probeTiles = probe.reduce((n, f) => n + tilesOf(f), 0)
  const allTiles = frames.reduce((n, f) => n + tilesOf(f), 0)
  // Scoring (sorting every pixel's probability) costs about as much again on small frames.
  return (seconds / probeTiles) * allTiles * 1.3
}

/** Tiled predictions for frames (the model's current weights). */
async function predictFrames(c: Ctx, frames: TileFrame[]): Promise<TiledPrediction[]> {
  const setup = { arch: c.spec.arch, nets: c.nets, classes: c.classes, size: c.model.size, overlap: c.model.tileOverlap, batchSize: c.train.batchSize }
  const out: TiledPrediction[] = []
  for (const f of frames) {
    if (c.ctx.isCancelled()) throw new CancelledError()
    out.push(await predictFrameTiled(setup, f.frame))
    await yieldToEventLoop()
  }
  return out
}

export function addTiledToEvaluator(ev: SegmentationEvaluator, f: { item: DatasetItem; targets: Uint8Array }, p: TiledPrediction, anomalous: boolean): void {
  ev.addImage({
    view: f.item.view,
    probs: p.probs,
    targets: f.targets,
    width: p.width,
    height: p.height,
    anomalous,
    score: p.score,
    ...(p.reconError ? { recon: p.reconError } : {})
  })
}

/** Image-level truth: has a labelled pixel of a defect class (regions never count). */
function isAnomalousFrame(f: TileFrame, classes: ClassSpec[]): boolean {
  return classes.some((cl, i) => cl.kind === 'defect' && f.centres[i]!.length > 0)
}

function meanDefectAp(report: EvalReport, channels: number[], classes: ClassSpec[]): number | null {
  const aps = channels
    .map((i) => report.overall.classes.find((m) => m.name === classes[i]!.name))
    .filter((m) => m && m.positives > 0 && m.pixelAp !== null)
    .map((m) => m!.pixelAp!)
  return aps.length > 0 ? aps.reduce((a, b) => a + b, 0) / aps.length : null
}

function pickValFrames(frames: TileFrame[], seed: number): TileFrame[] {
  const rng = streamRng(seed, 31)
  const val = frames.filter((f) => f.item.split === 'val')
  const labelled = val.filter((f) => f.centres.some((cs) => cs.length > 0))
  const normal = val.filter((f) => f.item.normal)
  return [...rng.sample(labelled, Math.min(MAX_VAL_LABELLED, labelled.length)), ...rng.sample(normal, Math.min(MAX_VAL_NORMAL, normal.length))]
}

async function stageDisc(c: Ctx, frames: TileFrame[], resume: StageResume | null): Promise<TileFrame[]> {
  const { spec, ctx, nets, classes, train } = c
  const disc = nets.disc!
  const size = c.model.size
  const K = classes.length
  const trainF = frames.filter((f) => f.item.split === 'train')
  const byClass = classes.map((_, ci) => trainF.filter((f) => f.centres[ci]!.length > 0))
  const centreClasses = defectChannels(classes).filter((ci) => byClass[ci]!.length > 0)
  if (!byClass.some((l) => l.length > 0)) throw badInput('stage 2 needs labelled frames (with polygons) in the training split')
  const valFrames = pickValFrames(frames, train.seed)
  const lossOpts = { kind: train.loss, gamma: train.focalGamma, alpha: train.focalAlpha, diceWeight: train.diceWeight }

  const prepare = (epoch: number, step: number): PreparedBatch => {
    const rng = streamRng(train.seed, 4, epoch, step)
    const imgs: Float32Array[] = []
    const tgts: Float32Array[] = []
    for (let b = 0; b < train.batchSize; b++) {
      let f: TileFrame
      let win: CropWindow
      if (centreClasses.length > 0 && rng.next() < train.defectCropShare) {
        const ci = centreClasses[rng.int(0, centreClasses.length - 1)]!
        const list = byClass[ci]!
        f = list[rng.int(0, list.length - 1)]!
        const cs = f.centres[ci]!
        const p = cs[rng.int(0, cs.length - 1)]!
        const jitter = size / 4
        const cx = (p % f.frame.width) + 0.5 + rng.range(-jitter, jitter)
        const cy = Math.floor(p / f.frame.width) + 0.5 + rng.range(-jitter, jitter)
        const { x0, y0 } = placeCrop(cx, cy, size, f.frame.width, f.frame.height)
        win = { x0, y0, size, t: randomDihedral(rng, train.rotate90) }
      } else {
        f = trainF[rng.int(0, trainF.length - 1)]!
        win = randomWindow(rng, f.frame, size, train.rotate90)
      }
      imgs.push(extractCrop(f.frame.rgb, f.frame.width, f.frame.height, 3, win))
      tgts.push(extractCrop(f.targets, f.frame.width, f.frame.height, K, win, false))
    }
    const img = stack(imgs, size, 3)
    // The frozen reconstruction is an input, computed outside the gradient tape.
    const x = spec.arch === 'arcd' ? tf.tidy(() => discInput('arcd', img, nets.recon!.apply(img, { training: false }) as tf.Tensor4D)) : img
    const y = stack(tgts, size, K)
    return {
      images: imgs.length,
      loss: () => segmentationLoss(y, disc.apply(x, { training: true }) as tf.Tensor4D, lossOpts),
      dispose: () => tf.dispose(x === img ? [x, y] : [x, img, y])
    }
  }
  const channels = defectChannels(classes)
  const validate = async (): Promise<{ loss: number | null; score?: number | null; metrics?: Record<string, number | null> }> => {
    if (valFrames.length === 0) return { loss: null }
    const ev = new SegmentationEvaluator(classes, Object.fromEntries(classes.map((cl) => [cl.name, 0.5])))
    const preds = await predictFrames(c, valFrames)
    valFrames.forEach((f, i) => addTiledToEvaluator(ev, f, preds[i]!, isAnomalousFrame(f, classes)))
    const report = ev.report()
    const metrics: Record<string, number | null> = { mpa: report.overall.mpa, miou: report.overall.miou, imageAuroc: report.overall.imageAuroc }
    for (const m of report.overall.classes) {
      metrics[`${m.name}.ap`] = m.pixelAp
      metrics[`${m.name}.auroc`] = m.pixelAuroc
    }
    const score = meanDefectAp(report, channels, classes)
    metrics.meanAp = score
    return { loss: null, score, metrics }
  }

  let rounds = c.plan.stage2Rounds ?? Math.max(1, train.evalRounds)
  let steps = c.plan.stage2Steps
  let deadline: StagePlan['deadline']
  if (!(resume && steps > 0)) {
    if (train.budgetMinutes > 0) {
      const stepSec = await secondsPerStep(disc, (k) => prepare(-1, k))
      const valSec = await estimateValSeconds(c, valFrames)
      // Reserve one more validation pass for the thresholds and the report.
      // Stage 2 is what the user gets: when stage 1 overran its share it
      // keeps its own share anyway, and the run ends late rather than useless.
      const ownShare = c.train.budgetMinutes * 60 * (c.plan.stage1Steps > 0 && !c.plan.reconReused ? 1 - c.train.stage1Share : 1) * 0.9
      const seconds = Math.max(budgetLeft(c), ownShare) - valSec
      ;({ rounds, steps } = scheduleFor(seconds, stepSec, valSec, rounds))
      deadline = stageDeadline(seconds, valSec)
      c.plan.secondsPerStep.disc = stepSec
      log(ctx, 'info', `stage 2: ${stepSec.toFixed(2)} s a step, validation about ${valSec.toFixed(1)} s: ${steps} steps and ${rounds} validation rounds in ${(Math.max(0, seconds) / 60).toFixed(1)} min`)
      if (seconds < rounds * (valSec + stepSec)) c.warnings.push(`the time budget was too short for stage 2: trained ${steps} steps, the minimum`)
    } else {
      steps = train.stage2Steps
    }
    c.plan.stage2Steps = steps
    c.plan.stage2Rounds = rounds
  }
  const shape = stagePlanShape(steps, rounds, train.batchSize)
  const labelled = trainF.filter((f) => f.centres.some((cs) => cs.length > 0)).length
  log(ctx, 'info', `stage 2: ${labelled} labelled and ${trainF.length - labelled} other training frames, ${valFrames.length} validation frames; ${steps} steps of ${train.batchSize} crops of ${size} px`)
  const plan: StagePlan = {
    stage: 'disc',
    model: disc,
    epochs: shape.epochs,
    batchSize: train.batchSize,
    lr: train.lr,
    patience: train.patience,
    trainImages: shape.trainImages,
    valImages: valFrames.length,
    warmupSteps: Math.round(train.warmupShare * shape.epochs * shape.stepsPerEpoch),
    epochOrder: () => Array.from({ length: shape.trainImages }, (_, i) => i),
    prepare: (_indices, epoch, step) => prepare(epoch, step),
    validate,
    ...(deadline ? { deadline } : {})
  }
  noteOutOfTime(c, 'stage 2', await runStage(plan, c.hooks, resume), steps)
  return valFrames
}

/** Best-F1 thresholds per class on validation; training frames for classes validation lacks. */
async function chooseThresholds(c: Ctx, frames: TileFrame[], valFrames: TileFrame[]): Promise<{ thresholds: Record<string, number>; valReport: EvalReport | null; method: string }> {
  const { classes, ctx } = c
  const thresholds: Record<string, number> = {}
  const probe = new SegmentationEvaluator(classes, Object.fromEntries(classes.map((cl) => [cl.name, 0.5])))
  const valPreds = await predictFrames(c, valFrames)
  valFrames.forEach((f, i) => addTiledToEvaluator(probe, f, valPreds[i]!, isAnomalousFrame(f, classes)))
  const fromVal = probe.chooseThresholds(Number.NaN)
  const missing = classes.filter((cl) => !Number.isFinite(fromVal[cl.name]!))
  for (const cl of classes) if (Number.isFinite(fromVal[cl.name]!)) thresholds[cl.name] = fromVal[cl.name]!
  let method = missing.length === 0 ? 'best-f1-val' : 'best-f1-val+train'
  if (missing.length > 0) {
    const rng = streamRng(c.train.seed, 41)
    const pool = frames.filter((f) => f.item.split === 'train' && missing.some((cl) => f.centres[classes.indexOf(cl)]!.length > 0))
    const picked = rng.sample(pool, Math.min(MAX_FALLBACK_FRAMES, pool.length))
    const ev = new SegmentationEvaluator(classes, Object.fromEntries(classes.map((cl) => [cl.name, 0.5])))
    const preds = await predictFrames(c, picked)
    picked.forEach((f, i) => addTiledToEvaluator(ev, f, preds[i]!, isAnomalousFrame(f, classes)))
    const fromTrain = ev.chooseThresholds(0.5)
    for (const cl of missing) thresholds[cl.name] = fromTrain[cl.name]!
    const msg = `no labelled validation frames for ${missing.map((cl) => cl.name).join(', ')}: ${missing.length === 1 ? 'its threshold was' : 'their thresholds were'} chosen on training frames (optimistic)`
    c.warnings.push(msg)
    log(ctx, 'warn', msg)
    if (valFrames.length === 0) method = 'best-f1-train'
  }
  let valReport: EvalReport | null = null
  if (valFrames.length > 0) {
    const ev = new SegmentationEvaluator(classes, thresholds)
    valFrames.forEach((f, i) => addTiledToEvaluator(ev, f, valPreds[i]!, isAnomalousFrame(f, classes)))
    valReport = ev.report()
  }
  log(ctx, 'info', `thresholds: ${Object.entries(thresholds).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`)
  return { thresholds, valReport, method }
}

// ==================================================================== the run


export async function trainTiles(spec: TrainJobSpec, ctx: JobContext, backendName: string, opts: TileTrainOptions = {}): Promise<TrainResult> {
  const started = performance.now()
  const train = spec.train
  const model = { ...spec.model, input: 'tiles' as const, maxShortSide: spec.model.maxShortSide ?? DEFAULT_MAX_SHORT_SIDE, tileOverlap: spec.model.tileOverlap ?? DEFAULT_TILE_OVERLAP }
  if (!(model.maxShortSide >= model.size)) throw badInput(`maxShortSide ${model.maxShortSide} must be at least the crop size ${model.size}`)
  if (!(model.tileOverlap >= 0 && model.tileOverlap <= 0.5)) throw badInput(`tileOverlap must be in [0, 0.5], got ${model.tileOverlap}`)
  if (!(train.budgetMinutes >= 0)) throw badInput(`budgetMinutes must be >= 0, got ${train.budgetMinutes}`)
  if (train.budgetMinutes === 0) {
    for (const k of ['stage1Steps', 'stage2Steps'] as const) {
      if (!(Number.isInteger(train[k]) && train[k] >= 1)) throw badInput(`${k} must be a positive integer when there is no time budget, got ${train[k]}`)
    }
  }

  const used = spec.images.filter((it) => it.split === 'train' || it.split === 'val')
  const skipped = used.filter((it) => !it.normal && it.polygons.length === 0).length
  const wanted = used.filter((it) => it.normal || it.polygons.length > 0)
  const present = new Set(wanted.filter((it) => !it.normal && it.split === 'train').flatMap((it) => it.polygons.map((p) => p.classIndex)))
  const runDiscWanted = spec.stages.includes('disc')
  let classes = spec.classes.filter((_, i) => present.has(i))
  if (classes.length === 0) {
    if (runDiscWanted) throw badInput('stage 2 needs labelled frames (with polygons) in the training split')
    classes = spec.classes
  }
  const untrained = spec.classes.filter((cl) => !classes.includes(cl)).map((cl) => cl.name)
  const K = classes.length
  const ckDir = checkpointsDir(spec.outDir)
  const reconKey = spec.arch === 'arcd' ? reconKeyOf(wanted, model, train) : undefined

  let resumeDir: string | null = null
  let ck: CheckpointState | null = null
  if (spec.resumeFrom) {
    resumeDir = await findCheckpoint(spec.resumeFrom)
    if (!resumeDir) throw badInput(`no checkpoint found in ${spec.resumeFrom}`)
    ck = await readCheckpointState(resumeDir)
    if (ck.arch !== spec.arch || !sameJson(ck.model, model) || ck.classCount !== K) {
      throw badInput(`checkpoint ${resumeDir} was made for another architecture, model configuration or class count`)
    }
    log(ctx, 'info', `resuming from ${resumeDir}: ${ck.stage} stage, round ${ck.epoch}${ck.step ? ` step ${ck.step}` : ''}${ck.stageDone ? ' (stage done)' : ''}`)
  }

  const plan: TrainPlan = ck?.plan ?? { input: 'tiles', stage1Steps: 0, stage2Steps: 0, secondsPerStep: { recon: null, disc: null }, reconReused: false }
  const nets = buildNets(spec.arch, model, K, { recon: spec.arch === 'arcd', disc: runDiscWanted }, train.seed)
  const history: EpochRecord[] = ck ? [...ck.history] : []
  const summaries: StageSummary[] = ck ? [...ck.summaries] : []
  const warnings: string[] = []
  if (untrained.length > 0) log(ctx, 'info', `not trained (no labels): ${untrained.join(', ')}`)
  if (skipped > 0) log(ctx, 'info', `${skipped} frames are neither marked normal nor labelled; they are left out`)
  let warmStarted: TrainResult['warmStarted'] = null
  let reconLoaded = false

  try {
    if (nets.disc) setOutputPrior(nets.disc, train.outputPrior)
    if (ck && resumeDir) {
      if (nets.recon && ck.files.recon) {
        await loadModelWeights(nets.recon, path.join(resumeDir, 'recon'))
        reconLoaded = true
      }
      if (nets.disc && ck.files.disc) await loadModelWeights(nets.disc, path.join(resumeDir, 'disc'))
    } else if (spec.warmStartFrom) {
      const warm = await readModelConfig(spec.warmStartFrom).catch((err: Error) => {
        throw badInput(`warmStartFrom: ${err.message}`)
      })
      warmStarted = { loaded: 0, skipped: 0 }
      const sameRecon = warm.arch === 'arcd' && spec.arch === 'arcd' && warm.reconKey !== undefined && warm.reconKey === reconKey
      for (const net of ['recon', 'disc'] as const) {
        const m = nets[net]
        const dir = path.join(spec.warmStartFrom, net)
        if (!m || !warm.nets[net] || !(await exists(dir))) continue
        if (warm.arch !== spec.arch && net === 'disc') continue // different input channels
        const r = await warmStartWeights(m, dir)
        warmStarted.loaded += r.loaded
        warmStarted.skipped += r.skipped
        if (net === 'recon' && r.loaded > 0) reconLoaded = true
        log(ctx, 'info', `warm start ${net}: ${r.loaded} weights loaded, ${r.skipped} kept fresh (shape mismatch)`)
      }
      if (sameRecon && train.reuseRecon && reconLoaded && spec.stages.includes('recon')) {
        plan.reconReused = true
        log(ctx, 'info', 'stage 1 skipped: the normal frames and stage-1 settings are those of the warm-start model, its reconstruction net is reused')
      }
    }
    const runRecon = spec.arch === 'arcd' && spec.stages.includes('recon') && !plan.reconReused && !(ck && (ck.stage === 'disc' || ck.stageDone))
    if (spec.arch === 'arcd' && runDiscWanted && !runRecon && !reconLoaded) {
      throw badInput('ARCD stage 2 without stage 1 needs a trained reconstruction net: give warmStartFrom (a model folder with recon/) or run both stages')
    }

    log(ctx, 'info', `loading ${wanted.length} frames at the analysis scale (short side at most ${model.maxShortSide} px)`)
    const c: Ctx = {
      spec,
      ctx,
      nets,
      classes,
      model,
      train,
      plan,
      started,
      warnings,
      hooks: {
        ctx,
        history,
        summaries,
        lastCheckpoint: { path: resumeDir },
        save: (state, best, optimizer) =>
          writeCheckpoint(ckDir, { runId: spec.runId, arch: spec.arch, model, classCount: K, history, summaries, plan, ...state }, { recon: nets.recon, disc: nets.disc, best, optimizer })
      }
    }
    const frames = await loadTileFrames(c, wanted, opts.analysisCache)

    let reconQuality: TrainResult['reconQuality'] = null
    if (runRecon) {
      const resume = ck && ck.stage === 'recon' && !ck.stageDone && resumeDir ? await stageResumeFrom(ck, resumeDir) : null
      reconQuality = (await stageRecon(c, frames, resume, runDiscWanted)).quality
    }

    let thresholds: Record<string, number> = {}
    let valReport: EvalReport | null = null
    let method = 'none'
    if (runDiscWanted) {
      let valFrames = pickValFrames(frames, train.seed)
      if (!(ck && ck.stage === 'disc' && ck.stageDone)) {
        const resume = ck && ck.stage === 'disc' && !ck.stageDone && resumeDir ? await stageResumeFrom(ck, resumeDir) : null
        valFrames = await stageDisc(c, frames, resume)
      }
      ;({ thresholds, valReport, method } = await chooseThresholds(c, frames, valFrames))
    }

    await writeModelDir(spec.outDir, {
      config: {
        format: 'defect-studio-model',
        version: 1,
        runId: spec.runId,
        arch: spec.arch,
        model,
        train,
        classes,
        nets: { recon: !!nets.recon, disc: !!nets.disc },
        createdAt: new Date().toISOString(),
        backend: backendName,
        ...(reconKey ? { reconKey } : {}),
        plan,
        untrainedClasses: untrained
      },
      nets,
      thresholds: { method, perClass: thresholds },
      metrics: { history, stages: summaries, valReport },
      manifest: buildManifest(spec.runId, wanted, spec.classes)
    })
    return {
      kind: 'train',
      runId: spec.runId,
      modelDir: spec.outDir,
      arch: spec.arch,
      classes,
      untrainedClasses: untrained,
      warnings,
      plan,
      reconQuality,
      stages: summaries,
      history,
      thresholds,
      valMetrics: valReport,
      backend: backendName,
      resumedFromEpoch: ck ? ck.epoch : null,
      warmStarted
    }
  } finally {
    disposeNets(nets)
  }
}

