/**
 * The letterbox recipe of a training run (each frame shrunk whole into one
 * square): data cache, stage 1 (reconstruction on simulated anomalies
 * of normal frames), stage 2 (discriminative net on [image, reconstruction]
 * against polygon masks, reconstruction frozen), threshold choice on
 * validation, and the model folder. Resumes from checkpoints, warm-starts
 * from an earlier model.
 *
 * Choices where the method leaves room:
 * - Stage 2 trains on every labelled training frame each epoch plus half as
 *   many normal training frames (drawn afresh per epoch) as negatives: the
 *   labelled frames are mostly background already, and the hundreds of
 *   normal frames must not swamp the few labelled ones.
 * - Stage 2 augments by random horizontal and vertical flips of the image,
 *   its cached reconstruction and the targets (the frozen net's output is
 *   computed once per frame, unflipped).
 * - Validation: stage 1 scores the reconstruction loss on validation normal
 *   frames with anomalies simulated once from a fixed seed; stage 2 the focal
 *   loss on validation frames. Without validation frames the training loss
 *   picks the best epoch, and thresholds come from the training frames.
 */
import * as tf from '@tensorflow/tfjs'
import path from 'node:path'
import { SegmentationEvaluator, type EvalReport } from '../../shared/arcd/metrics'
import type { ClassSpec, EpochRecord, StageSummary, TrainJobSpec, TrainResult } from '../../shared/arcd/protocol'
import { validRegion } from '../data/letterbox'
import type { Rng } from '../data/rng'
import { streamRng } from './streams'
import { simulateAnomaly } from '../data/simulate'
import { focalLoss } from '../losses/focal'
import { reconstructionLoss } from '../losses/reconstruction'
import { exists } from '../io/files'
import { buildNets, disposeNets, readModelConfig, type Nets } from '../io/modelDir'
import { loadModelWeights, warmStartWeights } from '../io/weights'
import { alignResidualReading } from '../models'
import { discInput, predictBatch, type Prediction } from '../infer/predictor'
import { badInput, log, type JobContext } from '../jobs/context'
import { batchesOf, flipMap, stack } from './batches'
import { checkpointsDir, findCheckpoint, readCheckpointState, stageResumeFrom, writeCheckpoint, type CheckpointState } from './checkpoint'
import { isLabelled, loadSamples, type FrameCache, type Sample } from './dataset'
import { finishModel } from './finishModel'
import { addToEvaluator, letterboxThresholds, type Predicted } from './letterboxThresholds'
import { runStage, type StageHooks, type StagePlan, type StageResume } from './stage'


/** Normal frames drawn per epoch of stage 2, per labelled frame. */
const NEGATIVES_PER_LABELLED = 0.5

/** Normal frames lent to the anomaly simulator as extra textures. */
const EXTRA_TEXTURES = 16

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

interface RunState {
  spec: TrainJobSpec
  ctx: JobContext
  nets: Nets
  hooks: StageHooks
  classes: ClassSpec[]
}

/** The whole-frame recipe: every frame letterboxed to one square (spec.model.input 'letterbox'). */
export async function trainLetterbox(spec: TrainJobSpec, ctx: JobContext, backendName: string, opts: { frameCache?: FrameCache } = {}): Promise<TrainResult> {
  const K = spec.classes.length
  const size = spec.model.size
  const ckDir = checkpointsDir(spec.outDir)

  // ---------------------------------------------------------------- resume point
  let resumeDir: string | null = null
  let ck: CheckpointState | null = null
  if (spec.resumeFrom) {
    resumeDir = await findCheckpoint(spec.resumeFrom)
    if (!resumeDir) throw badInput(`no checkpoint found in ${spec.resumeFrom}`)
    ck = await readCheckpointState(resumeDir)
    if (ck.arch !== spec.arch || !sameJson(ck.model, spec.model) || ck.classCount !== K) {
      throw badInput(`checkpoint ${resumeDir} was made for another architecture, model configuration or class count`)
    }
    log(ctx, 'info', `resuming from ${resumeDir}: ${ck.stage} stage, epoch ${ck.epoch}${ck.step ? ` step ${ck.step}` : ''}${ck.stageDone ? ' (stage done)' : ''}`)
  }

  const runRecon = spec.arch === 'arcd' && spec.stages.includes('recon') && !(ck && (ck.stage === 'disc' || ck.stageDone))
  const runDisc = spec.stages.includes('disc')
  const nets = buildNets(spec.arch, spec.model, K, { recon: spec.arch === 'arcd', disc: runDisc }, spec.train.seed)
  const history: EpochRecord[] = ck ? [...ck.history] : []
  const summaries: StageSummary[] = ck ? [...ck.summaries] : []
  let warmStarted: TrainResult['warmStarted'] = null

  try {
    // ---------------------------------------------------------------- initial weights
    if (ck && resumeDir) {
      if (nets.recon && ck.files.recon) await loadModelWeights(nets.recon, path.join(resumeDir, 'recon'))
      if (nets.disc && ck.files.disc) await loadModelWeights(nets.disc, path.join(resumeDir, 'disc'))
    } else if (spec.warmStartFrom) {
      const warm = await readModelConfig(spec.warmStartFrom).catch((err: Error) => {
        throw badInput(`warmStartFrom: ${err.message}`)
      })
      warmStarted = { loaded: 0, skipped: 0 }
      for (const net of ['recon', 'disc'] as const) {
        const model = nets[net]
        const dir = path.join(spec.warmStartFrom, net)
        if (!model || !warm.nets[net] || !(await exists(dir))) continue
        if (warm.arch !== spec.arch && net === 'disc') continue // different input channels
        const r = await warmStartWeights(model, dir)
        warmStarted.loaded += r.loaded
        warmStarted.skipped += r.skipped
        log(ctx, 'info', `warm start ${net}: ${r.loaded} weights loaded, ${r.skipped} kept fresh (shape mismatch)`)
        const converted = net === 'disc' && spec.arch === 'arcd' ? alignResidualReading(model, warm.model.reconResidual ?? false, spec.model.reconResidual ?? false, r.loadedNames) : null
        if (converted) log(ctx, 'info', converted)
      }
    }
    if (spec.arch === 'arcd' && runDisc && !runRecon) {
      const haveRecon = (ck && ck.files.recon) || (spec.warmStartFrom && warmStarted && warmStarted.loaded > 0)
      if (!haveRecon) {
        throw badInput('ARCD stage 2 without stage 1 needs a trained reconstruction net: give warmStartFrom (a model folder with recon/) or run both stages')
      }
    }

    // ---------------------------------------------------------------- data
    const used = spec.images.filter((it) => it.split === 'train' || it.split === 'val')
    const skipped = used.filter((it) => !it.normal && it.polygons.length === 0).length
    if (skipped > 0) log(ctx, 'info', `${skipped} frames are neither marked normal nor labelled; they are left out`)
    const wanted = used.filter((it) => it.normal || it.polygons.length > 0)
    log(ctx, 'info', `loading ${wanted.length} frames at ${size}x${size}`)
    const samples = await loadSamples(wanted, size, K, ctx, opts.frameCache)
    const hooks: StageHooks = {
      ctx,
      history,
      summaries,
      lastCheckpoint: { path: resumeDir },
      save: (state, best, optimizer) =>
        writeCheckpoint(
          ckDir,
          { runId: spec.runId, arch: spec.arch, model: spec.model, classCount: K, history, summaries, ...state },
          { recon: nets.recon, disc: nets.disc, best, optimizer }
        )
    }
    const run: RunState = { spec, ctx, nets, hooks, classes: spec.classes }

    // ---------------------------------------------------------------- stage 1
    if (runRecon) {
      const resume = ck && ck.stage === 'recon' && !ck.stageDone && resumeDir ? await stageResumeFrom(ck, resumeDir) : null
      await stageRecon(run, samples, resume)
    }

    // ---------------------------------------------------------------- stage 2
    let thresholds: Record<string, number> = {}
    let valReport: EvalReport | null = null
    let method = 'none'
    const warnings: string[] = []
    if (runDisc) {
      if (!(ck && ck.stage === 'disc' && ck.stageDone)) {
        const resume = ck && ck.stage === 'disc' && !ck.stageDone && resumeDir ? await stageResumeFrom(ck, resumeDir) : null
        await stageDisc(run, samples, resume)
      }
      const chosen = await chooseThresholds(run, samples)
      ;({ thresholds, valReport, method } = chosen)
      for (const w of chosen.warnings) warnings.push(w)
    }

    // ---------------------------------------------------------------- model folder
    return await finishModel({
      spec,
      backendName,
      nets,
      model: spec.model,
      classes: spec.classes,
      used: wanted,
      plan: { input: 'letterbox', stage1Steps: spec.train.stage1Epochs, stage2Steps: spec.train.stage2Epochs, secondsPerStep: { recon: null, disc: null }, reconReused: false },
      untrainedClasses: [],
      warnings,
      reconQuality: null,
      history,
      summaries,
      thresholds,
      method,
      valReport,
      resumedFromEpoch: ck ? ck.epoch : null,
      warmStarted
    })
  } finally {
    disposeNets(nets)
  }
}


// ==================================================================== stage 1

async function stageRecon(run: RunState, samples: Sample[], resume: StageResume | null): Promise<StageSummary> {
  const { spec, ctx, nets } = run
  const recon = nets.recon!
  const size = spec.model.size
  const train = samples.filter((s) => s.item.normal && s.item.split === 'train')
  const val = samples.filter((s) => s.item.normal && s.item.split === 'val')
  if (train.length === 0) throw badInput('stage 1 needs normal frames in the training split (mark defect-free frames as normal)')
  log(ctx, 'info', `stage 1: ${train.length} normal training frames, ${val.length} validation frames`)
  const textureRng = streamRng(spec.train.seed, 11)
  const extraTextures = textureRng.sample(train, Math.min(EXTRA_TEXTURES, train.length)).map((s) => s.image)
  const simulate = (s: Sample, rng: Rng) =>
    simulateAnomaly(s.image, size, rng, {
      probability: spec.train.anomalyProbability,
      region: validRegion(s.box),
      extraTextures
    }).image
  // Fixed validation inputs: the same simulated anomalies every epoch.
  const valRng = streamRng(spec.train.seed, 12)
  const valInputs = val.map((s) => simulate(s, valRng))

  const plan: StagePlan = {
    stage: 'recon',
    model: recon,
    epochs: spec.train.stage1Epochs,
    batchSize: spec.train.batchSize,
    lr: spec.train.lr,
    patience: spec.train.patience,
    trainImages: train.length,
    valImages: val.length,
    epochOrder: (epoch) => streamRng(spec.train.seed, 1, epoch).shuffle(train.map((_, i) => i)),
    prepare(indices, epoch, step) {
      const rng = streamRng(spec.train.seed, 2, epoch, step)
      const inputs = indices.map((i) => simulate(train[i]!, rng))
      const x = stack(inputs, size, 3)
      const y = stack(indices.map((i) => train[i]!.image), size, 3)
      return {
        images: indices.length,
        loss: () => reconstructionLoss(y, recon.apply(x, { training: true }) as tf.Tensor4D, spec.train.ssimWeight),
        dispose: () => tf.dispose([x, y])
      }
    },
    async validate() {
      if (val.length === 0) return { loss: null }
      let sum = 0
      for (const batch of batchesOf(val.map((_, i) => i), spec.train.batchSize)) {
        const l = tf.tidy(() => {
          const x = stack(batch.map((i) => valInputs[i]!), size, 3)
          const y = stack(batch.map((i) => val[i]!.image), size, 3)
          return reconstructionLoss(y, recon.apply(x, { training: false }) as tf.Tensor4D, spec.train.ssimWeight)
        })
        sum += (await l.data())[0]! * batch.length
        l.dispose()
      }
      return { loss: sum / val.length }
    }
  }
  return runStage(plan, run.hooks, resume)
}

// ==================================================================== stage 2

/** Frozen reconstructions of the given frames, computed once (inference mode). */
async function reconstructAll(recon: tf.LayersModel, samples: Sample[], size: number, batchSize: number): Promise<Float32Array[]> {
  const out: Float32Array[] = []
  for (const batch of batchesOf(samples, batchSize)) {
    const r = tf.tidy(() => recon.apply(stack(batch.map((s) => s.image), size, 3), { training: false }) as tf.Tensor)
    const data = (await r.data()) as Float32Array
    r.dispose()
    const per = size * size * 3
    batch.forEach((_, i) => out.push(data.slice(i * per, (i + 1) * per)))
  }
  return out
}

interface Stage2Data {
  train: Sample[]
  trainRecon: Float32Array[] | null
  labelled: number[]
  negatives: number[]
  val: Sample[]
  valRecon: Float32Array[] | null
}

const stage2Cache = new WeakMap<Sample[], Stage2Data>()

async function stage2Data(run: RunState, samples: Sample[]): Promise<Stage2Data> {
  const cached = stage2Cache.get(samples)
  if (cached) return cached
  const { spec, nets } = run
  const train = samples.filter((s) => s.item.split === 'train')
  const val = samples.filter((s) => s.item.split === 'val')
  const labelled = train.flatMap((s, i) => (isLabelled(s.item) ? [i] : []))
  const negatives = train.flatMap((s, i) => (s.item.normal ? [i] : []))
  let trainRecon: Float32Array[] | null = null
  let valRecon: Float32Array[] | null = null
  if (spec.arch === 'arcd') {
    trainRecon = await reconstructAll(nets.recon!, train, spec.model.size, spec.train.batchSize)
    valRecon = await reconstructAll(nets.recon!, val, spec.model.size, spec.train.batchSize)
  }
  const data = { train, trainRecon, labelled, negatives, val, valRecon }
  stage2Cache.set(samples, data)
  return data
}

function valMetricsOf(report: EvalReport): Record<string, number | null> {
  const m: Record<string, number | null> = { mpa: report.overall.mpa, miou: report.overall.miou }
  for (const c of report.overall.classes) {
    m[`${c.name}.auroc`] = c.pixelAuroc
    m[`${c.name}.ap`] = c.pixelAp
  }
  return m
}

async function stageDisc(run: RunState, samples: Sample[], resume: StageResume | null): Promise<StageSummary> {
  const { spec, ctx, nets, classes } = run
  const disc = nets.disc!
  const size = spec.model.size
  const K = classes.length
  const data = await stage2Data(run, samples)
  const { train, trainRecon, labelled, negatives, val, valRecon } = data
  if (labelled.length === 0) throw badInput('stage 2 needs labelled frames (with polygons) in the training split')
  const negPerEpoch = Math.min(negatives.length, Math.ceil(labelled.length * NEGATIVES_PER_LABELLED))
  log(ctx, 'info', `stage 2: ${labelled.length} labelled + ${negPerEpoch} of ${negatives.length} normal frames per epoch; ${val.length} validation frames`)
  const focal = (y: tf.Tensor4D, p: tf.Tensor4D) => focalLoss(y, p, { gamma: spec.train.focalGamma, alpha: 'balanced' })
  const input = (imgs: Float32Array[], recs: Float32Array[] | null) =>
    spec.arch === 'arcd' ? discInput('arcd', stack(imgs, size, 3), stack(recs!, size, 3)) : stack(imgs, size, 3)

  const plan: StagePlan = {
    stage: 'disc',
    model: disc,
    epochs: spec.train.stage2Epochs,
    batchSize: spec.train.batchSize,
    lr: spec.train.lr,
    patience: spec.train.patience,
    trainImages: labelled.length + negPerEpoch,
    valImages: val.length,
    epochOrder(epoch) {
      const rng = streamRng(spec.train.seed, 3, epoch)
      return rng.shuffle([...labelled, ...rng.sample(negatives, negPerEpoch)])
    },
    prepare(indices, epoch, step) {
      const rng = streamRng(spec.train.seed, 4, epoch, step)
      const imgs: Float32Array[] = []
      const recs: Float32Array[] = []
      const tgts: Float32Array[] = []
      for (const i of indices) {
        const h = rng.next() < 0.5
        const v = rng.next() < 0.5
        imgs.push(flipMap(train[i]!.image, size, 3, h, v))
        if (trainRecon) recs.push(flipMap(trainRecon[i]!, size, 3, h, v))
        tgts.push(flipMap(train[i]!.targets, size, K, h, v))
      }
      const x = tf.tidy(() => input(imgs, trainRecon ? recs : null))
      const y = stack(tgts, size, K)
      return {
        images: indices.length,
        loss: () => focal(y, disc.apply(x, { training: true }) as tf.Tensor4D),
        dispose: () => tf.dispose([x, y])
      }
    },
    async validate() {
      if (val.length === 0) return { loss: null }
      let sum = 0
      const ev = new SegmentationEvaluator(classes, Object.fromEntries(classes.map((c) => [c.name, 0.5])))
      const setup = { arch: spec.arch, nets, classes, size }
      for (const batch of batchesOf(val.map((_, i) => i), spec.train.batchSize)) {
        const preds = await predictBatch(
          setup,
          batch.map((i) => val[i]!.image),
          valRecon ? batch.map((i) => valRecon[i]!) : null
        )
        const l = tf.tidy(() => focal(stack(batch.map((i) => val[i]!.targets), size, K), stack(preds.map((p) => p.probs), size, K)))
        sum += (await l.data())[0]! * batch.length
        l.dispose()
        batch.forEach((i, b) => addToEvaluator(ev, val[i]!, preds[b]!, classes))
      }
      return { loss: sum / val.length, metrics: valMetricsOf(ev.report()) }
    }
  }
  return runStage(plan, run.hooks, resume)
}

/** Thresholds by the crop recipe's rules (letterboxThresholds.ts), on the cached reconstructions. */
async function chooseThresholds(
  run: RunState,
  samples: Sample[]
): Promise<{ thresholds: Record<string, number>; valReport: EvalReport; method: string; warnings: string[] }> {
  const { spec, ctx, nets, classes } = run
  const data = await stage2Data(run, samples)
  const setup = { arch: spec.arch, nets, classes, size: spec.model.size }
  const predictPool = async (pool: Sample[], recon: Float32Array[] | null): Promise<Predicted> => {
    const preds: Prediction[] = []
    for (const batch of batchesOf(pool.map((_, i) => i), spec.train.batchSize)) {
      const recs = recon ? batch.map((i) => recon[i]!) : null
      for (const p of await predictBatch(setup, batch.map((i) => pool[i]!.image), recs)) preds.push(p)
    }
    return { samples: pool, preds }
  }
  return letterboxThresholds({
    classes,
    train: spec.train,
    ctx,
    val: await predictPool(data.val, data.valRecon),
    labelledTraining: () =>
      predictPool(
        data.labelled.map((i) => data.train[i]!),
        data.trainRecon ? data.labelled.map((i) => data.trainRecon![i]!) : null
      )
  })
}
