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
import { createHash } from 'node:crypto'
import path from 'node:path'
import { DEFAULT_MAX_SHORT_SIDE, DEFAULT_TILE_OVERLAP, type ModelConfig, type TrainConfig } from '../../shared/arcd/config'
import type { EvalReport } from '../../shared/arcd/metrics'
import type { DatasetItem, EpochRecord, StageSummary, TrainJobSpec, TrainPlan, TrainResult } from '../../shared/arcd/protocol'
import { exists } from '../io/files'
import { buildNets, disposeNets, readModelConfig } from '../io/modelDir'
import { alignResidualReading, setOutputPrior } from '../models'
import { loadModelWeights, warmStartWeights } from '../io/weights'
import { badInput, log, type JobContext } from '../jobs/context'
import { finishModel } from './finishModel'
import { checkpointsDir, findCheckpoint, readCheckpointState, stageResumeFrom, writeCheckpoint, type CheckpointState } from './checkpoint'
import { tileSetupOf, type TileRun } from './tileContext'
import { loadTileFrames, type AnalysisCache } from './tileData'
import { stageRecon } from './tileStage1'
import { stageDisc } from './tileStage2'
import { chooseThresholds } from './tileValidation'
import { fallbackFrameCount, fullValidation, valCandidates, validationSets } from './valSelection'

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
  h.update(JSON.stringify({ normals, size: model.size, base: model.reconBase, depth: model.reconDepth, mflm: model.mflm, skips: model.reconSkips ?? false, channels: model.channels, maxShortSide: model.maxShortSide ?? DEFAULT_MAX_SHORT_SIDE, ssimWeight: train.ssimWeight, anomalyProbability: train.anomalyProbability }))
  return h.digest('hex').slice(0, 32)
}

export async function trainTiles(spec: TrainJobSpec, ctx: JobContext, backendName: string, opts: { analysisCache?: AnalysisCache } = {}): Promise<TrainResult> {
  const started = performance.now()
  const train = spec.train
  const model = { ...spec.model, input: 'tiles' as const, maxShortSide: spec.model.maxShortSide ?? DEFAULT_MAX_SHORT_SIDE, tileOverlap: spec.model.tileOverlap ?? DEFAULT_TILE_OVERLAP }
  if (!(model.maxShortSide >= model.size)) throw badInput(`maxShortSide ${model.maxShortSide} must be at least the crop size ${model.size}`)
  if (!(model.tileOverlap >= 0 && model.tileOverlap <= 0.5)) throw badInput(`tileOverlap must be in [0, 0.5], got ${model.tileOverlap}`)
  if (model.inferTile !== undefined && !(Number.isInteger(model.inferTile) && model.inferTile >= model.size)) {
    throw badInput(`inferTile must be a whole number of pixels at least the crop size ${model.size}, got ${model.inferTile}`)
  }
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
  // Weights of the warm-start reconstruction that did not fit this net (another shape): such a net is half fresh.
  let reconMisfit = 0

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
        if (net === 'recon') reconMisfit = r.skipped
        log(ctx, 'info', `warm start ${net}: ${r.loaded} weights loaded, ${r.skipped} kept fresh (shape mismatch)`)
        const converted = net === 'disc' && spec.arch === 'arcd' ? alignResidualReading(m, warm.model.reconResidual ?? false, model.reconResidual ?? false, r.loadedNames) : null
        if (converted) log(ctx, 'info', converted)
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
    if (spec.arch === 'arcd' && runDiscWanted && !runRecon && reconMisfit > 0) {
      throw badInput(`the warm-start model's reconstruction net has another shape (${reconMisfit} of its weights do not fit this one, e.g. skip connections or widths changed): run stage 1 too`)
    }

    log(ctx, 'info', `loading ${wanted.length} frames at the analysis scale (short side at most ${model.maxShortSide} px)`)
    const c: TileRun = {
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
      if (!(ck && ck.stage === 'disc' && ck.stageDone)) {
        const resume = ck && ck.stage === 'disc' && !ck.stageDone && resumeDir ? await stageResumeFrom(ck, resumeDir) : null
        await stageDisc(c, frames, resume)
      }
      // Stage 2 planned which frames the final pass reads; a run recorded before such plans reads them all.
      const cands = valCandidates(frames, train.seed)
      const validation = plan.validation ?? fullValidation(cands, tileSetupOf(c).flips === true)
      ;({ thresholds, valReport, method } = await chooseThresholds(c, frames, validationSets(cands, validation).final, {
        flips: validation.finalFlips,
        fallbackFrames: fallbackFrameCount(validation)
      }))
    }

    return await finishModel({
      spec,
      backendName,
      nets,
      model,
      classes,
      used: wanted,
      plan,
      ...(reconKey ? { reconKey } : {}),
      untrainedClasses: untrained,
      warnings,
      reconQuality,
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
