/** ARCD stage 1 on crops: the reconstruction net learns normal texture under simulated anomalies. */
import * as tf from '@tensorflow/tfjs'
import { reconstructionAccuracyRA } from '../../shared/arcd/metrics'
import { extractCrop } from '../data/crops'
import type { Rng } from '../data/rng'
import { simulateAnomaly } from '../data/simulate'
import { badInput, log } from '../jobs/context'
import { reconstructionLossParts } from '../losses/reconstruction'
import { stack } from './batches'
import { runStage, type PreparedBatch, type StagePlan, type StageResume } from './stage'
import { streamRng } from './streams'
import { budgetLeft, noteOutOfTime, stepsTaken, scheduleFor, secondsPerStep, stageDeadline, cropStagePlan, timed } from './tileBudget'
import type { TileRun } from './tileContext'
import { randomWindow, type TileFrame } from './tileData'

const STAGE1_VAL_CROPS = 32
const EXTRA_TEXTURES = 16

export interface Stage1Out {
  quality: { ra: number; ssim: number; l2: number } | null
}

export async function stageRecon(c: TileRun, frames: TileFrame[], resume: StageResume | null, stage2Follows: boolean): Promise<Stage1Out> {
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
  log(ctx, 'info', `stage 1: ${trainN.length} normal training frames, ${valN.length} validation frames; ${steps} steps of ${train.batchSize} crops of ${size} px`)
  const plan = cropStagePlan(c, { stage: 'recon', model: recon, steps, rounds, valImages: valInputs.length, prepare, validate: measureVal, deadline })

  const summary = await runStage(plan, c.hooks, resume)
  noteOutOfTime(c, 'stage 1', summary, steps)
  c.plan.stage1Steps = stepsTaken(summary, steps)
  const final = await measureVal()
  const m = final.metrics
  const quality = m && m.l2 != null && m.ssim != null ? { ra: m.ra ?? 0, ssim: m.ssim, l2: m.l2 } : null
  if (quality) log(ctx, 'info', `stage 1 on validation crops: SSIM ${quality.ssim.toFixed(3)}, L2 ${quality.l2.toFixed(5)}, RA ${quality.ra.toFixed(3)}`)
  return { quality }
}
