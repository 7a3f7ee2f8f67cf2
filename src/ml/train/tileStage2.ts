/** Stage 2 on crops: the discriminative net (or the plain U-Net) learns the labelled defects. */
import * as tf from '@tensorflow/tfjs'
import { SegmentationEvaluator, meanDefectAp } from '../../shared/arcd/metrics'
import { extractCrop, placeCrop, type CropWindow } from '../data/crops'
import { discInput } from '../infer/predictor'
import { logitsOf } from '../models'
import { badInput, log } from '../jobs/context'
import { segmentationLossFromLogits } from '../losses/segmentation'
import { stack } from './batches'
import { contextSide, cropReconstructions, dropReconstructions, type CropSource } from './cropRecon'
import { buildReconCache } from './reconCache'
import { simulatedBatch } from './simulatedCrops'
import { runStage, type PreparedBatch, type StagePlan, type StageResume } from './stage'
import { streamRng } from './streams'
import { budgetLeft, MAX_VAL_SHARE, noteOutOfTime, roundsOf, stage2TimeWarning, stepsTaken, scheduleFor, secondsPerStep, stageDeadline, cropStagePlan } from './tileBudget'
import { tileSetupOf, type TileRun } from './tileContext'
import { randomDihedral, randomWindow, type TileFrame } from './tileData'
import { addTiledToEvaluator, defectChannels, finalPassEstimate, frameSizeOf, isAnomalousFrame, predictFrames, probeValCosts } from './tileValidation'
import { fallbackFrameCount, fullValidation, planValidation, probeFrames, roundSeconds, validationNote, validationSets, valCandidates } from './valSelection'

export async function stageDisc(c: TileRun, frames: TileFrame[], resume: StageResume | null): Promise<void> {
  const { spec, ctx, nets, classes, train } = c
  const disc = nets.disc!
  const discLogits = logitsOf(disc)
  const size = c.model.size
  const reconSide = contextSide(c.model)
  const K = classes.length
  const trainF = frames.filter((f) => f.item.split === 'train')
  const byClass = classes.map((_, ci) => trainF.filter((f) => f.centres[ci]!.length > 0))
  const centreClasses = defectChannels(classes).filter((ci) => byClass[ci]!.length > 0)
  if (!byClass.some((l) => l.length > 0)) throw badInput('stage 2 needs labelled frames (with polygons) in the training split')
  const cands = valCandidates(frames, train.seed)
  const inferFlips = tileSetupOf(c).flips === true
  const planning = !(resume && c.plan.stage2Steps > 0) && train.budgetMinutes > 0
  // Stage 2 is what the user gets: when stage 1 overran its share it keeps
  // its own share anyway, and the run ends late rather than useless.
  const stageSeconds = Math.max(budgetLeft(c), train.budgetMinutes * 60 * (c.plan.stage1Steps > 0 && !c.plan.reconReused ? 1 - train.stage1Share : 1) * 0.9)
  const setupStart = performance.now()
  // Only a run that plans from its budget times frames; the probe's reconstructions go into the cache.
  const probe = planning ? await probeValCosts(c, probeFrames(cands), [...cands.labelled, ...cands.normals].reduce((s, f) => s + frameSizeOf(c, f).pixels, 0)) : null
  if (probe) {
    const sizes = (list: TileFrame[]) => list.map((f) => frameSizeOf(c, f))
    c.plan.validation = planValidation({ cands: { labelled: sizes(cands.labelled), normals: sizes(cands.normals), roundNormals: cands.roundNormals }, costs: probe.costs, stageSeconds, flips: inferFlips, roundShare: MAX_VAL_SHARE })
  } else if (!c.plan.validation) c.plan.validation = fullValidation(cands, inferFlips)
  const validation = c.plan.validation
  const { rounds: valFrames, final: finalFrames } = validationSets(cands, validation)
  const note = validationNote(validation, inferFlips)
  if (note && planning) {
    if (inferFlips && !validation.finalFlips) c.warnings.push(note)
    log(ctx, inferFlips && !validation.finalFlips ? 'warn' : 'info', note)
  }
  // The rounds' frames only: every round (and the thresholds) reads them. The
  // training frames' reconstructions made whole cost more than the crops'
  // over a whole run (docs/experiments.md, thirteenth measurement).
  if (spec.arch === 'arcd') c.recons = await buildReconCache(c, valFrames, undefined, probe?.recons)
  probe?.recons.clear()
  const setupSeconds = (performance.now() - setupStart) / 1000
  // A run recorded before the setting existed resumes with the loss it started with.
  const hardNegativeWeight = (train as Partial<typeof train>).hardNegativeWeight ?? 0
  const lossOpts = { kind: train.loss, gamma: train.focalGamma, alpha: train.focalAlpha, diceWeight: train.diceWeight, hardNegativeWeight }
  const reconDropout = (train as Partial<typeof train>).reconDropout ?? 0
  if (!(reconDropout >= 0 && reconDropout < 1)) throw badInput(`reconDropout must be at least 0 and below 1, got ${reconDropout}`)
  /** Which crops keep their reconstruction; a stream of its own keeps the crops those of a run without reconDropout. */
  const keptReconstructions = (epoch: number, step: number): number[] => {
    const rng = streamRng(train.seed, 6, epoch, step)
    return Array.from({ length: train.batchSize }, () => (reconDropout > 0 && rng.next() < reconDropout ? 0 : 1))
  }
  const discPretrainShare = (train as Partial<typeof train>).discPretrainShare ?? 0
  if (!(discPretrainShare >= 0 && discPretrainShare < 1)) throw badInput(`discPretrainShare must be at least 0 and below 1, got ${discPretrainShare}`)
  const normals = trainF.filter((f) => f.item.normal)
  const defects = defectChannels(classes)
  /** Steps [0, pretrainSteps) of the stage, counted by the planned steps a round, learn simulated anomalies; set once the steps are known. */
  let pretrainSteps = 0
  let stepsPerEpoch = 1
  const pretraining = (epoch: number, step: number): boolean => epoch >= 0 && epoch * stepsPerEpoch + step < pretrainSteps

  const prepareSimulated = (epoch: number, step: number): PreparedBatch => {
    const b = simulatedBatch(nets.recon!, normals, streamRng(train.seed, 7, epoch, step), {
      size,
      side: reconSide,
      defectClasses: defects.length,
      batchSize: train.batchSize,
      probability: train.anomalyProbability,
      rotate90: train.rotate90
    })
    return {
      images: train.batchSize,
      loss: () => segmentationLossFromLogits(b.target, tf.gather(discLogits.apply(b.input, { training: true }) as tf.Tensor4D, defects, 3) as tf.Tensor4D, lossOpts),
      dispose: () => tf.dispose([b.input, b.target])
    }
  }

  const prepare = (epoch: number, step: number): PreparedBatch => {
    if (pretraining(epoch, step)) return prepareSimulated(epoch, step)
    const rng = streamRng(train.seed, 4, epoch, step)
    const imgs: Float32Array[] = []
    const tgts: Float32Array[] = []
    const sources: CropSource[] = []
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
      sources.push({ rgb: f.frame.rgb, width: f.frame.width, height: f.frame.height, win })
      imgs.push(extractCrop(f.frame.rgb, f.frame.width, f.frame.height, 3, win))
      tgts.push(extractCrop(f.targets, f.frame.width, f.frame.height, K, win, false))
    }
    const img = stack(imgs, size, 3)
    // The frozen reconstruction is an input, computed outside the gradient tape.
    const x = spec.arch === 'arcd' ? tf.tidy(() => discInput('arcd', img, dropReconstructions(img, cropReconstructions(nets.recon!, sources, size, reconSide), keptReconstructions(epoch, step)))) : img
    const y = stack(tgts, size, K)
    return {
      images: imgs.length,
      loss: () => segmentationLossFromLogits(y, discLogits.apply(x, { training: true }) as tf.Tensor4D, lossOpts),
      dispose: () => tf.dispose(x === img ? [x, y] : [x, img, y])
    }
  }
  const validate = async (): Promise<{ loss: number | null; score?: number | null; metrics?: Record<string, number | null> }> => {
    if (valFrames.length === 0) return { loss: null }
    const ev = new SegmentationEvaluator(classes, Object.fromEntries(classes.map((cl) => [cl.name, 0.5])))
    // Rounds only rank one run's checkpoints, so they skip the mirrored
    // tiles: four discriminative passes a tile left a 15-minute run on
    // magnetic-tile one round (59 s a pass against about 17 s).
    const preds = await predictFrames(c, valFrames, false)
    valFrames.forEach((f, i) => addTiledToEvaluator(ev, f, preds[i]!, isAnomalousFrame(f, classes)))
    const report = ev.report()
    const metrics: Record<string, number | null> = { mpa: report.overall.mpa, miou: report.overall.miou, imageAuroc: report.overall.imageAuroc }
    for (const m of report.overall.classes) {
      metrics[`${m.name}.ap`] = m.pixelAp
      metrics[`${m.name}.auroc`] = m.pixelAuroc
    }
    const score = meanDefectAp(report.overall)
    metrics.meanAp = score
    return { loss: null, score, metrics }
  }

  let rounds = c.plan.stage2Rounds ?? Math.max(1, train.evalRounds)
  let steps = c.plan.stage2Steps
  let deadline: StagePlan['deadline']
  if (!(resume && steps > 0)) {
    if (probe) {
      const cost = probe.costs
      const stepSec = await secondsPerStep(disc, (k) => prepare(-1, k))
      const cached = new Set(c.recons ? valFrames : [])
      const valSec = valFrames.reduce((s, f) => s + roundSeconds(cost, frameSizeOf(c, f)), 0)
      const final = finalPassEstimate(c, cost, { frames, finalFrames, cached, flips: validation.finalFlips, fallbackFrames: fallbackFrameCount(validation) })
      const finalSec = final.seconds
      const fallbackText = final.fallbackFrames > 0 ? `, ${final.fallbackFrames} training frames for classes validation lacks` : ''
      const seconds = stageSeconds - setupSeconds - finalSec
      ;({ rounds, steps } = scheduleFor(seconds, stepSec, valSec, rounds))
      deadline = stageDeadline(seconds, valSec)
      c.plan.secondsPerStep.disc = stepSec
      log(ctx, 'info', `stage 2: ${stepSec.toFixed(2)} s a step, validation about ${valSec.toFixed(1)} s a round and ${finalSec.toFixed(1)} s for the final pass (${final.scoring.toFixed(1)} s of it scoring${fallbackText}): ${steps} steps and ${rounds} validation rounds in ${(Math.max(0, seconds) / 60).toFixed(1)} min`)
      const short = stage2TimeWarning({ seconds, finalSec, cacheSec: setupSeconds, budgetMinutes: train.budgetMinutes, rounds, valSec, stepSec, steps })
      if (short) {
        c.warnings.push(short)
        log(ctx, 'warn', short)
      }
    } else {
      steps = train.stage2Steps
    }
    c.plan.stage2Steps = steps
    c.plan.stage2Rounds = rounds
  }
  if (spec.arch === 'arcd' && discPretrainShare > 0) {
    ;({ stepsPerEpoch } = roundsOf(steps, rounds))
    if (normals.length === 0) c.warnings.push('simulated anomalies: no normal training frames to simulate them on; stage 2 trained on the labels alone')
    else pretrainSteps = Math.round(discPretrainShare * steps)
    if (pretrainSteps > 0) {
      c.plan.stage2SimulatedSteps = pretrainSteps
      log(ctx, 'info', `stage 2: the first ${pretrainSteps} steps learn simulated anomalies on ${normals.length} normal frames (discPretrainShare ${discPretrainShare})`)
    }
  }
  const labelled = trainF.filter((f) => f.centres.some((cs) => cs.length > 0)).length
  log(ctx, 'info', `stage 2: ${labelled} labelled and ${trainF.length - labelled} other training frames, ${valFrames.length} validation frames; ${steps} steps of ${train.batchSize} crops of ${size} px`)
  const plan = cropStagePlan(c, { stage: 'disc', model: disc, steps, rounds, valImages: valFrames.length, prepare, validate, deadline })

  const summary = await runStage(plan, c.hooks, resume)
  noteOutOfTime(c, 'stage 2', summary, steps)
  c.plan.stage2Steps = stepsTaken(summary, steps)
}
