import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { EpochRecord, StageSummary } from '../../shared/arcd/protocol'
import { initBackend } from '../backend'
import { clearlyBetter, runStage, type StagePlan } from './stage'

/**
 * The time budget inside a stage: steps come from a speed probe, and a CPU
 * that gets busier afterwards once made a 15-minute training run 27 minutes.
 * A fake clock that advances one second per training step stands in for
 * the slow CPU, so nothing here depends on this machine's speed.
 */
describe('a stage with a deadline', () => {
  beforeAll(async () => {
    await initBackend()
  })

  function stage(deadlineAt: number | null, opts: { patience?: number; scores?: number[]; fill?: boolean; valMs?: number; rounds?: number; stepsPerRound?: number } = {}) {
    let now = 0
    /** The model's weights at each validation round, to tell which were kept. */
    const atRound: number[][] = []
    let trained = 0
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] })
    const x = tf.tensor2d([
      [0, 1],
      [1, 0]
    ])
    const y = tf.tensor2d([[1], [0]])
    const plan: StagePlan = {
      stage: 'disc',
      model,
      epochs: opts.rounds ?? opts.scores?.length ?? 5,
      batchSize: 2,
      lr: 1e-2,
      patience: opts.patience ?? 0,
      trainImages: 4,
      valImages: 1,
      epochOrder: () => Array.from({ length: 2 * (opts.stepsPerRound ?? 2) }, (_, i) => i),
      prepare: () => {
        trained++
        now += 1000
        return { loss: () => tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor) as tf.Scalar, images: 2, dispose: () => undefined }
      },
      validate: async () => {
        now += opts.valMs ?? 0
        atRound.push(model.getWeights().flatMap((w) => Array.from(w.dataSync())))
        const score = opts.scores?.shift()
        return score === undefined ? { loss: 1 } : { loss: null, score }
      },
      ...(deadlineAt !== null ? { deadline: { at: deadlineAt, clock: () => now, ...(opts.fill ? { fill: true } : {}) } } : {})
    }
    const history: EpochRecord[] = []
    const summaries: StageSummary[] = []
    const hooks = {
      ctx: { jobId: 't', emit: () => undefined, isCancelled: () => false },
      history,
      summaries,
      save: async () => 'checkpoint',
      lastCheckpoint: { path: null }
    }
    return {
      run: async () => {
        const summary = await runStage(plan, hooks, null)
        const kept = model.getWeights().flatMap((w) => Array.from(w.dataSync()))
        tf.dispose([x, y])
        model.dispose()
        return { summary, history, trained: () => trained, keptRound: atRound.findIndex((w) => w.every((v, i) => v === kept[i])) + 1 }
      }
    }
  }

  it('without one, every planned step runs', async () => {
    const { summary, trained } = await stage(null).run()
    expect(trained()).toBe(10)
    expect(summary).toMatchObject({ epochsRun: 5, stoppedEarly: false })
    expect(summary.outOfTime).toBeUndefined()
  })

  it('patience never stops a stage before three quarters of its validation rounds', async () => {
    // The first round scores best, then nothing improves: patience 1 would stop after round 2 of 5 without the floor.
    const { summary, history } = await stage(null, { patience: 1, scores: [0.5, 0.1, 0.1, 0.1, 0.1] }).run()
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4])
    expect(summary).toMatchObject({ epochsRun: 4, stoppedEarly: true, bestEpoch: 1 })
  })

  it('lets a late rise through: a magnetic-tile U-Net whose validation AP peaked early and rose again as the learning rate fell', async () => {
    // Rounds 1-7 as measured (bce15); a floor of half the rounds stopped it after round 7 of 12.
    const scores = [0.11, 0.123, 0.256, 0.177, 0.134, 0.087, 0.135, 0.2, 0.28, 0.3, 0.31, 0.3]
    const { summary, history, keptRound } = await stage(null, { patience: 4, scores }).run()
    expect(history).toHaveLength(12)
    expect(summary).toMatchObject({ epochsRun: 12, stoppedEarly: false })
    expect(keptRound).toBe(12)
  })

  it('keeps the last weights while the scores only wobble near the floor', async () => {
    // Mean AP near the positive rate: round 4 "wins" by 0.002, which is noise.
    const { summary, keptRound } = await stage(null, { scores: [0.006, 0.004, 0.005, 0.008, 0.006] }).run()
    expect(summary).toMatchObject({ epochsRun: 5, bestEpoch: 5, bestValLoss: -0.006 })
    expect(keptRound).toBe(5)
  })

  it('goes back to an earlier round that was clearly better', async () => {
    const { summary, keptRound } = await stage(null, { scores: [0.1, 0.3, 0.25, 0.22, 0.2] }).run()
    expect(summary).toMatchObject({ epochsRun: 5, bestEpoch: 2, bestValLoss: -0.3 })
    expect(keptRound).toBe(2)
  })

  it('a slow rise is not stopped by patience, and the last weights are kept', async () => {
    // Each round edges up by less than the keep margin, but each is a new best.
    const { summary, history, keptRound } = await stage(null, { patience: 2, scores: [0.1, 0.102, 0.104, 0.106, 0.108] }).run()
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5])
    expect(summary).toMatchObject({ epochsRun: 5, stoppedEarly: false, bestEpoch: 5 })
    expect(keptRound).toBe(5)
  })

  it('patience stops after rounds without a new best and keeps the last weights when the best was not clearly better', async () => {
    const { summary, history, keptRound } = await stage(null, { patience: 2, scores: [0.1, 0.105, 0.1, 0.1, 0.1] }).run()
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4])
    expect(summary).toMatchObject({ epochsRun: 4, stoppedEarly: true, bestEpoch: 4 })
    expect(keptRound).toBe(4)
  })

  it('clearlyBetter wants 0.01 or 10%, whichever is larger', () => {
    expect(clearlyBetter(0.015, 0.004)).toBe(true)
    expect(clearlyBetter(0.013, 0.004)).toBe(false)
    expect(clearlyBetter(0.56, 0.5)).toBe(true)
    expect(clearlyBetter(0.54, 0.5)).toBe(false)
  })

  it('ends at the deadline mid-epoch, validates what it has, and says so', async () => {
    // 1 s a step, 2 steps an epoch: the third step starts at 2 s, the fourth would start at 3 s, past the 2.5 s deadline.
    const { summary, history, trained } = await stage(2500).run()
    expect(trained()).toBe(3)
    expect(summary).toMatchObject({ epochsRun: 2, stoppedEarly: true, outOfTime: true })
    expect(history.map((h) => h.epoch)).toEqual([1, 2])
  })

  it('does not start an epoch only to validate when time ran out at its start', async () => {
    const { summary, trained } = await stage(2000).run()
    expect(trained()).toBe(2)
    expect(summary).toMatchObject({ epochsRun: 1, stoppedEarly: true, outOfTime: true })
  })

  it('the learning rate follows the time when time runs faster than the steps', async () => {
    const timed = await stage(3500).run()
    const untimed = await stage(null).run()
    // The fourth step starts at 3 s of 3.5: the schedule is 85% through (step 8 of 10), not 30% (step 3).
    expect(timed.history[1]!.lr).toBeLessThan(untimed.history[1]!.lr)
    expect(timed.history[1]!.lr).toBeLessThan(untimed.history[3]!.lr)
    expect(timed.history[1]!.lr).toBeGreaterThan(untimed.history[4]!.lr)
  })

  describe('filling its time (rounds re-planned from the measured pace)', () => {
    it('a machine faster than planned trains longer rounds, up to the deadline', async () => {
      // Planned 2 steps a round at 1 s each; 20 s given. After round 1 (2 s), the 4 rounds left share 18 s.
      const { summary, history, trained } = await stage(20_000, { fill: true }).run()
      expect(history).toHaveLength(5)
      expect(trained()).toBe(2 + 4 + 4 + 5 + 5)
      expect(summary).toMatchObject({ epochsRun: 5, stoppedEarly: false, stepsRun: 20 })
      expect(summary.outOfTime).toBeUndefined()
    })

    it('a slower machine shortens the rounds instead of losing the last ones', async () => {
      // 6 s for 10 planned steps: without filling the stage stops after round 3, out of time.
      const unfilled = await stage(6000).run()
      expect(unfilled.summary).toMatchObject({ epochsRun: 3, outOfTime: true })
      const { summary, history, trained } = await stage(6000, { fill: true }).run()
      expect(history).toHaveLength(5)
      expect(trained()).toBe(6)
      expect(summary).toMatchObject({ epochsRun: 5, stoppedEarly: false, stepsRun: 6 })
      expect(summary.outOfTime).toBeUndefined()
    })

    it('counts the validation rounds left in the time it shares out', async () => {
      // Each validation takes 2 s: after round 1 (2 s of steps + 2 s), 16 s are left for 4 rounds and the 3 validations
      // between them, 10 s of steps (2.5 a round, 2 whole ones); the rounds after it take up what the rounding left.
      const { summary, trained } = await stage(20_000, { fill: true, valMs: 2000 }).run()
      expect(trained()).toBe(2 + 2 + 2 + 3 + 3)
      expect(summary).toMatchObject({ epochsRun: 5, stepsRun: 12 })
      expect(summary.outOfTime).toBeUndefined()
    })

    it('never grows a round past three times its plan', async () => {
      const { trained } = await stage(1_000_000, { fill: true }).run()
      expect(trained()).toBe(2 + 4 * 6)
    })

    it('a stage of one round re-plans it from its own pace and trains up to the deadline', async () => {
      // 30 steps planned at 1 s each, 60 s given: after 25 steps (25 s) the 35 s left buy 35 more.
      const unfilled = await stage(60_000, { rounds: 1, stepsPerRound: 30 }).run()
      expect(unfilled.trained()).toBe(30)
      const { summary, history, trained } = await stage(60_000, { fill: true, rounds: 1, stepsPerRound: 30 }).run()
      expect(history).toHaveLength(1)
      expect(trained()).toBe(60)
      expect(summary).toMatchObject({ epochsRun: 1, stoppedEarly: false, stepsRun: 60 })
      expect(summary.outOfTime).toBeUndefined()
    })

    it('the last round keeps re-planning, up to three times its plan', async () => {
      const { trained } = await stage(1_000_000, { fill: true, rounds: 1, stepsPerRound: 30 }).run()
      expect(trained()).toBe(90)
      // Two rounds: the second is re-planned at its start (3x) and within itself, never past 3x.
      const two = await stage(1_000_000, { fill: true, rounds: 2, stepsPerRound: 30 }).run()
      expect(two.trained()).toBe(30 + 90)
    })
  })
})
