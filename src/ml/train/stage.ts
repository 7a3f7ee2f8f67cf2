/**
 * The epoch loop shared by both stages: Adam with a per-step cosine learning
 * rate, validation after every epoch, early stopping on the validation loss
 * (the training loss when there is no validation data), a checkpoint after
 * every epoch and on cancel, a hard stop on a non-finite loss, and progress
 * events. Stage specifics (batches, loss, validation) come in a StagePlan.
 */
import * as tf from '@tensorflow/tfjs'
import type { EpochRecord, StageSummary, TrainStage } from '../../shared/arcd/protocol'
import { CancelledError, JobError, yieldToEventLoop, type JobContext } from '../jobs/context'
import { restoreWeights, snapshotWeights } from '../io/weights'
import { batchesOf, warmCosineLr } from './batches'
import { ScheduledAdam } from './optimizer'

export interface PreparedBatch {
  /** Forward pass + loss; runs inside the gradient tape. */
  loss: () => tf.Scalar
  images: number
  dispose(): void
}

export interface StagePlan {
  stage: TrainStage
  model: tf.LayersModel
  epochs: number
  batchSize: number
  lr: number
  /**
   * Validation rounds without improvement before the stage stops; never
   * before three quarters of its rounds have run (see minRoundsBeforeStop).
   */
  patience: number
  trainImages: number
  valImages: number
  /** Sample indices of one epoch, the same for the same epoch (resume replays it). */
  epochOrder(epoch: number): number[]
  prepare(indices: number[], epoch: number, step: number): PreparedBatch
  /**
   * score: higher is better (validation mean pixel AP); when given it drives
   * early stopping (any new best resets patience) and picks the kept
   * weights (the last unless an earlier round was clearlyBetter) instead of
   * the loss.
   */
  validate(): Promise<{ loss: number | null; score?: number | null; metrics?: Record<string, number | null> }>
  /** Steps of linear learning-rate warm-up before the cosine decay (default 0). */
  warmupSteps?: number
  /**
   * When the stage's time is up (ms on `clock`): the step count was planned
   * from a speed probe, and a CPU that gets busier (or freer) later would
   * make the stage over- or under-run its budget. The learning-rate schedule
   * follows whichever is further along, steps or time, and once time is up
   * the stage validates what it has and ends.
   */
  deadline?: {
    at: number
    clock?: () => number
    /**
     * Fill the time: before each round after the first, its step count is
     * re-planned from the pace measured so far, so that the rounds left end
     * at the deadline (each round's sample order is cycled or cut to fit).
     * The speed probe before a stage times a handful of steps, and a VM's
     * speed drifts: a probe of 0.30 s a step for a stage that then ran at
     * 0.21 s left a quarter of a 15-minute budget unused, and a CPU that gets
     * busier would otherwise lose the last rounds to the deadline.
     */
    fill?: boolean
  }
}

/** Most a filled round may grow over its planned step count. */
const MAX_FILL_GROWTH = 3

/**
 * Filling, the last round re-plans its own steps every this many, from its
 * pace so far: a stage of one round has no earlier round to measure, and
 * on magnetic-tile an ARCD stage 2 probed at 0.32 s a step, planned 707
 * steps and one round, ran at 0.24 s and left a third of its 4.2 minutes
 * unused (docs/experiments.md, thirty-first measurement).
 */
const FILL_CHECK_STEPS = 25

/** Steps of `perStep` seconds that fit in `seconds`, kept within [least, most]. */
function stepsThatFit(seconds: number, perStep: number, least: number, most: number): number {
  const fit = Math.floor(Math.max(0, seconds) / Math.max(perStep, 1e-9))
  return Math.max(least, Math.min(most, fit))
}

/** Where a resumed stage picks up. */
export interface StageResume {
  epoch: number
  step: number
  epochLossSum: number
  epochImages: number
  bestValLoss: number | null
  bestEpoch: number
  wait: number
  best: tf.Tensor[] | null
  /** Folder holding optimizer.json/.bin, or null to start Adam afresh. */
  optimizerDir: string | null
}

export interface StageState {
  stage: TrainStage
  stageDone: boolean
  epoch: number
  step: number
  epochLossSum: number
  epochImages: number
  bestValLoss: number | null
  bestEpoch: number
  wait: number
}

export type SaveCheckpoint = (state: StageState, best: tf.Tensor[] | null, optimizer: ScheduledAdam | null) => Promise<string>

export interface StageHooks {
  ctx: JobContext
  history: EpochRecord[]
  /** Finished stages; runStage appends its summary before the stage's final checkpoint. */
  summaries: StageSummary[]
  save: SaveCheckpoint
  /** The newest good checkpoint so far (reported on NaN). */
  lastCheckpoint: { path: string | null }
}

export async function runStage(plan: StagePlan, hooks: StageHooks, resume: StageResume | null): Promise<StageSummary> {
  const { ctx, history } = hooks
  const optimizer = new ScheduledAdam(plan.lr)
  if (resume?.optimizerDir) await optimizer.load(resume.optimizerDir)
  let best = resume?.best ?? null
  let bestValLoss = resume?.bestValLoss ?? null
  let bestEpoch = resume?.bestEpoch ?? 0
  let wait = resume?.wait ?? 0
  /** The newest round's validation score (null: no score, or no round in this session). */
  let lastScore: number | null = null
  let stoppedEarly = false
  let epochsRun = resume?.epoch ?? 0
  const stepsPerEpoch = Math.max(1, Math.ceil(plan.trainImages / plan.batchSize))
  let totalSteps = plan.epochs * stepsPerEpoch
  /** Steps of the rounds before the current one (rounds differ in length when filling). */
  let stepsBefore = (resume?.epoch ?? 0) * stepsPerEpoch
  let summary: StageSummary
  let sessionImages = 0
  let sessionStart = 0

  const state = (over: Partial<StageState>): StageState => ({
    stage: plan.stage,
    stageDone: false,
    epoch: epochsRun,
    step: 0,
    epochLossSum: 0,
    epochImages: 0,
    bestValLoss,
    bestEpoch,
    wait,
    ...over
  })

  const clock = plan.deadline?.clock ?? (() => performance.now())
  const stageStart = clock()
  /** How far the stage is by time, 0..1 (0 without a deadline). */
  const timeDone = (): number => {
    if (!plan.deadline) return 0
    const span = plan.deadline.at - stageStart
    return span > 0 ? Math.min(1, (clock() - stageStart) / span) : 1
  }
  let outOfTime = false
  /** This session's pace on `clock`: seconds in training steps, steps, and the last round's other seconds (validation, checkpoint). */
  const pace = { stepSeconds: 0, steps: 0, valSeconds: 0 }
  const filling = plan.deadline?.fill === true
  const roundSteps = (epoch: number, planned: number): number => {
    if (!plan.deadline || !filling || pace.steps === 0) return planned
    const roundsLeft = plan.epochs - epoch
    const trainSeconds = plan.deadline.at - clock() - (roundsLeft - 1) * pace.valSeconds
    return stepsThatFit(trainSeconds / roundsLeft, pace.stepSeconds / pace.steps, 1, MAX_FILL_GROWTH * planned)
  }

  let firstEpoch = resume?.epoch ?? 0
  if (resume && plan.patience > 0 && wait >= plan.patience && resume.epoch >= minRoundsBeforeStop(plan.epochs)) {
    // Stopped early just before a crash: nothing left to train.
    firstEpoch = plan.epochs
    stoppedEarly = epochsRun < plan.epochs
  }
  try {
    for (let epoch = firstEpoch; epoch < plan.epochs; epoch++) {
      const resumingHere = resume !== null && epoch === resume.epoch
      let sum = resumingHere ? resume.epochLossSum : 0
      let seen = resumingHere ? resume.epochImages : 0
      const order = batchesOf(plan.epochOrder(epoch), plan.batchSize)
      let steps = resumingHere ? order.length : roundSteps(epoch, order.length)
      if (steps !== order.length) totalSteps = stepsBefore + (plan.epochs - epoch) * steps
      const roundStart = clock()
      const refills = filling && plan.deadline !== undefined && !resumingHere && epoch + 1 === plan.epochs
      let ran = 0
      for (let step = resumingHere ? resume.step : 0; step < steps; step++) {
        if (refills && ran > 0 && ran % FILL_CHECK_STEPS === 0) {
          const now = clock()
          // Counted from the round's start, so the cap is the whole round's.
          steps = ran + stepsThatFit(plan.deadline!.at - now, (now - roundStart) / ran, 1, MAX_FILL_GROWTH * order.length - ran)
          totalSteps = stepsBefore + steps
        }
        if (ctx.isCancelled()) {
          const path = await hooks.save(state({ epoch, step, epochLossSum: sum, epochImages: seen }), best, optimizer)
          hooks.lastCheckpoint.path = path
          throw new CancelledError(path)
        }
        const byTime = timeDone()
        // Filling, every round trains at least one step and the last one is meant to end here.
        if (byTime >= 1 && (filling ? step > 0 : stepsBefore + step > 0)) {
          if (!(filling && epoch + 1 === plan.epochs)) outOfTime = true
          break
        }
        const at = Math.max(stepsBefore + step, Math.floor(byTime * totalSteps))
        optimizer.setLearningRate(warmCosineLr(plan.lr, at, totalSteps, plan.warmupSteps ?? 0))
        if (sessionStart === 0) sessionStart = performance.now()
        const batch = plan.prepare(order[step % order.length]!, epoch, step)
        let value: number
        try {
          const loss = optimizer.step(plan.model, batch.loss)
          value = (await loss.data())[0]!
          loss.dispose()
        } finally {
          batch.dispose()
        }
        if (!Number.isFinite(value)) {
          const where = `${plan.stage} stage, epoch ${epoch + 1}, step ${step + 1}`
          const ck = hooks.lastCheckpoint.path
          throw new JobError(
            `training diverged: the loss became ${value} (${where}). Stopped; ` +
              (ck ? `the last good checkpoint is ${ck} (try a lower learning rate).` : 'no checkpoint was written yet.'),
            'nan-loss',
            ck !== null,
            ck ?? undefined
          )
        }
        ran++
        sum += value * batch.images
        seen += batch.images
        sessionImages += batch.images
        const elapsed = (performance.now() - sessionStart) / 1000
        const ips = elapsed > 0 ? sessionImages / elapsed : 0
        const stepsLeft = totalSteps - (stepsBefore + step + 1)
        ctx.emit({
          type: 'progress',
          jobId: ctx.jobId,
          stage: plan.stage,
          epoch: epoch + 1,
          epochs: plan.epochs,
          step: step + 1,
          steps,
          loss: sum / seen,
          imagesPerSec: ips,
          etaSec: ips > 0 ? (stepsLeft * plan.batchSize) / ips : null
        })
        await yieldToEventLoop()
      }
      const trainEnd = clock()
      pace.stepSeconds += trainEnd - roundStart
      pace.steps += ran
      stepsBefore += steps
      const trainLoss = seen > 0 ? sum / seen : Number.NaN
      const val = await plan.validate()
      // One number where lower is better; stored as bestValLoss so resume compares alike.
      const scored = val.score !== undefined && val.score !== null
      const score = scored ? -val.score! : (val.loss ?? trainLoss)
      if (bestValLoss === null || score < bestValLoss) {
        if (best) tf.dispose(best)
        best = snapshotWeights(plan.model)
        bestValLoss = score
        bestEpoch = epoch + 1
        wait = 0
      } else {
        wait++
      }
      lastScore = scored ? -score : null
      epochsRun = epoch + 1
      const record: EpochRecord = { stage: plan.stage, epoch: epoch + 1, trainLoss, valLoss: val.loss, lr: optimizer.lr }
      if (val.metrics) record.valMetrics = val.metrics
      history.push(record)
      ctx.emit({
        type: 'epoch',
        jobId: ctx.jobId,
        stage: plan.stage,
        epoch: epoch + 1,
        trainLoss,
        valLoss: val.loss,
        ...(val.metrics ? { valMetrics: val.metrics } : {})
      })
      // Time ran out during the validation: no point starting an epoch only to validate again.
      if (epoch + 1 < plan.epochs && timeDone() >= 1) outOfTime = true
      const patienceRanOut = plan.patience > 0 && wait >= plan.patience && epoch + 1 >= minRoundsBeforeStop(plan.epochs)
      stoppedEarly = (patienceRanOut && epoch + 1 < plan.epochs) || (outOfTime && epoch + 1 < plan.epochs)
      hooks.lastCheckpoint.path = await hooks.save(state({ epoch: epoch + 1 }), best, optimizer)
      pace.valSeconds = clock() - trainEnd
      if (stoppedEarly) break
      await yieldToEventLoop()
    }
    // With a score, the last weights stay unless an earlier round was clearly better:
    // near the positive rate the "best" round is noise, and the last has trained longest.
    // The summary reports the round whose weights are kept, and that round's score.
    if (best && lastScore !== null && bestValLoss !== null && !clearlyBetter(-bestValLoss, lastScore)) {
      bestEpoch = epochsRun
      bestValLoss = -lastScore
    } else if (best) restoreWeights(plan.model, best)
    summary = {
      stage: plan.stage,
      epochsRun,
      bestEpoch,
      bestValLoss,
      stoppedEarly,
      ...(outOfTime ? { outOfTime } : {}),
      ...(filling ? { stepsRun: pace.steps } : {}),
      trainImages: plan.trainImages,
      valImages: plan.valImages
    }
    hooks.summaries.push(summary)
    hooks.lastCheckpoint.path = await hooks.save(state({ stageDone: true }), null, null)
  } finally {
    if (best) tf.dispose(best)
    optimizer.dispose()
  }
  return summary
}

/**
 * Whether validation score a beats b by more than noise: by 0.01 (a mean AP
 * near a class's positive rate moves about that much between rounds without
 * learning anything) or by 10% of b, whichever is larger. It picks the kept
 * weights: the last round's unless an earlier one is clearly better.
 * Patience does not use it: a U-Net whose AP rose slowly (0.043, 0.039,
 * 0.036, 0.045, 0.050) stopped at 10 of its 15 minutes when it did.
 */
export function clearlyBetter(a: number, b: number): boolean {
  return a > b + Math.max(0.01, 0.1 * Math.abs(b))
}

/**
 * Early stopping waits for three quarters of the stage's validation rounds.
 * Validation mean AP over a few dozen frames is noisy while the learning
 * rate is high, and rises once the cosine schedule has brought it down: on
 * magnetic-tile a U-Net's ran 0.15, 0.11, 0.10, 0.16, 0.14, 0.11, 0.14 and
 * then 0.22, 0.31, 0.27 in its last three of ten rounds, while another run
 * that peaked at 0.26 in round 3 was stopped after round 7 of 12 (when the
 * floor was half the rounds) and kept round 3: test mean AP 21.2 against
 * 29.1 (docs/experiments.md, eleventh measurement).
 */
export function minRoundsBeforeStop(rounds: number): number {
  return Math.ceil((rounds * 3) / 4)
}
