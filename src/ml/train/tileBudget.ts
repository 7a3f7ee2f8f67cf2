/** Turning a time budget into steps and validation rounds, from speeds measured at the start of a stage. */
import * as tf from '@tensorflow/tfjs'
import type { StageSummary, TrainStage } from '../../shared/arcd/protocol'
import type { PreparedBatch, StagePlan } from './stage'
import type { TileRun } from './tileContext'

/** Most of a stage's time goes to training: validation rounds are thinned to fit this share. */
export const MAX_VAL_SHARE = 0.15

/**
 * Seconds per optimiser step, measured on throwaway gradients (the weights
 * do not move): two warm-up steps, then the median of three. One warm-up and
 * one timed step said 0.30 s for 64-pixel crops that then ran at 0.21 s
 * (Adam included), and the stage ended 4 of its 15 minutes early.
 */
export async function secondsPerStep(model: tf.LayersModel, prepare: (k: number) => PreparedBatch): Promise<number> {
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
  // The first steps pay for kernel set-up and allocation.
  await once(0)
  await once(1)
  const times = [await once(2), await once(3), await once(4)].sort((a, b) => a - b)
  return times[1]!
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t0) / 1000 }
}

/**
 * Validation rounds and steps for a stage of `seconds`: at most `maxRounds`
 * rounds, fewer when they would take more than MAX_VAL_SHARE of the time,
 * and the steps that fit in the rest (at least one per round).
 */
export function scheduleFor(seconds: number, stepSec: number, valSec: number, maxRounds: number): { rounds: number; steps: number } {
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
export function stageDeadline(seconds: number, valSec: number): StagePlan['deadline'] {
  return { at: performance.now() + Math.max(0, seconds - valSec) * 1000, fill: true }
}

/** The steps a stage ran, once it has: a stage that fills its time re-plans its rounds from the pace it measures. */
export function stepsTaken(summary: StageSummary, planned: number): number {
  return summary.stepsRun ?? planned
}

/** A stage cut short by its time share says so in the run: the CPU was slower than the probe measured. */
export function noteOutOfTime(c: TileRun, name: string, summary: StageSummary, planned: number): void {
  if (!summary.outOfTime) return
  c.warnings.push(
    `${name} stopped at its share of the time budget after ${summary.epochsRun} validation rounds, before its ${planned} planned steps: ` +
      'the CPU was slower than the speed measured at the start (other programs running?)'
  )
}

export function budgetLeft(c: TileRun): number {
  return c.train.budgetMinutes * 60 - (performance.now() - c.started) / 1000
}

/** A stage 2 that trains for less than this share of its time says where the rest goes. */
const MIN_TRAINING_SHARE = 0.5

/**
 * The run's warning when stage 2's time goes mostly to its fixed costs
 * rather than to training: the final pass that sets the thresholds and the
 * validation frames' timing and reconstructions. On magnetic-tile these took
 * over 2 of a 4-minute budget's minutes, so a short budget trained for 1.2
 * minutes and said nothing. The final pass is now sized to a share of the
 * stage (valSelection.ts), but its floors (enough frames to choose and cap
 * thresholds by) can still outgrow a very short budget. `shareSec`: stage
 * 2's time after the reconstructions, final pass included. `budgetMinutes` scaled by
 * twice the fixed costs over the stage's time is the budget at which
 * training gets half of it.
 */
export function shortTrainingWarning(o: { shareSec: number; finalSec: number; cacheSec: number; budgetMinutes: number }): string | null {
  const total = o.shareSec + o.cacheSec
  const trained = Math.max(0, o.shareSec - o.finalSec)
  const fixed = o.finalSec + o.cacheSec
  if (total <= 0 || trained >= MIN_TRAINING_SHARE * total) return null
  const min = (sec: number): string => (sec / 60).toFixed(1)
  const cache = o.cacheSec >= 1 ? ` and ${min(o.cacheSec)} to timing and reconstructing the validation frames` : ''
  const late = fixed > total ? ', so the run ends late' : ''
  const enough = Math.ceil((o.budgetMinutes * 2 * fixed) / total)
  return (
    `stage 2 trained for ${min(trained)} of its ${min(total)} minutes: ${min(o.finalSec)} go to the final pass that sets the thresholds${cache}${late}. ` +
    `A time budget of ${Math.max(enough, o.budgetMinutes + 1)} minutes or more would train for at least half of it`
  )
}

/**
 * The one warning a stage 2 plan gets about its time: shortTrainingWarning
 * when fixed costs took most of the stage (it names the budget that would
 * do), else a plain note when not even its rounds' steps fit (a step slower
 * than the stage). Both at once said the same thing twice.
 */
export function stage2TimeWarning(o: { seconds: number; finalSec: number; cacheSec: number; budgetMinutes: number; rounds: number; valSec: number; stepSec: number; steps: number }): string | null {
  const short = shortTrainingWarning({ shareSec: o.seconds + o.finalSec, finalSec: o.finalSec, cacheSec: o.cacheSec, budgetMinutes: o.budgetMinutes })
  if (short) return short
  return o.seconds < o.rounds * (o.valSec + o.stepSec) ? `the time budget was too short for stage 2: trained ${o.steps} step${o.steps === 1 ? '' : 's'}, the minimum` : null
}

/** Rounds (epochs) and planned steps per round of a stage of `steps` steps with `rounds` validation rounds. */
export function roundsOf(steps: number, rounds: number): { epochs: number; stepsPerEpoch: number } {
  const epochs = Math.max(1, Math.min(rounds, steps))
  return { epochs, stepsPerEpoch: Math.max(1, Math.ceil(steps / epochs)) }
}

/**
 * A crop stage's plan for runStage: `steps` optimiser steps split into
 * `rounds` validation rounds (an "epoch" is one round's steps), warm-up as a
 * share of all steps.
 */
export function cropStagePlan(
  c: TileRun,
  o: {
    stage: TrainStage
    model: tf.LayersModel
    steps: number
    rounds: number
    valImages: number
    prepare(epoch: number, step: number): PreparedBatch
    validate: StagePlan['validate']
    deadline: StagePlan['deadline'] | undefined
  }
): StagePlan {
  const { train } = c
  const { epochs, stepsPerEpoch } = roundsOf(o.steps, o.rounds)
  const trainImages = stepsPerEpoch * train.batchSize
  return {
    stage: o.stage,
    model: o.model,
    epochs,
    batchSize: train.batchSize,
    lr: train.lr,
    patience: train.patience,
    trainImages,
    valImages: o.valImages,
    warmupSteps: Math.round(train.warmupShare * epochs * stepsPerEpoch),
    epochOrder: () => Array.from({ length: trainImages }, (_, i) => i),
    prepare: (_indices, epoch, step) => o.prepare(epoch, step),
    validate: o.validate,
    ...(o.deadline ? { deadline: o.deadline } : {})
  }
}
