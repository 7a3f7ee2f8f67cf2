import { describe, expect, it } from 'vitest'
import { shortTrainingWarning, stage2TimeWarning } from './tileBudget'

describe('shortTrainingWarning', () => {
  it("says where a short budget's stage 2 went, with the budget that would train for half of it", () => {
    // The experiment job's 4-minute ARCD run on magnetic-tile: 206 s of stage 2 after 10.2 s of reconstructions, 134 s of it for the thresholds' pass.
    // 72 s trained of 216.2 s, 144.2 s of them fixed: 4 x 2 x 144.2 / 216.2 = 5.34, so 6 minutes.
    expect(shortTrainingWarning({ shareSec: 206, finalSec: 134, cacheSec: 10.2, budgetMinutes: 4 })).toBe(
      'stage 2 trained for 1.2 of its 3.6 minutes: 2.2 go to the final pass that sets the thresholds and 0.2 to timing and reconstructing the validation frames. ' +
        'A time budget of 6 minutes or more would train for at least half of it'
    )
  })
  it('names no reconstructions for a U-Net, and always asks for more than the budget it had', () => {
    // 50 s of 150: 2 x 100 / 150 x 2 minutes = 2.67, so 3.
    expect(shortTrainingWarning({ shareSec: 150, finalSec: 100, cacheSec: 0, budgetMinutes: 2 })).toBe(
      'stage 2 trained for 0.8 of its 2.5 minutes: 1.7 go to the final pass that sets the thresholds. A time budget of 3 minutes or more would train for at least half of it'
    )
    // Just under half: 2 x 50.2 / 100 x 1 = 1.004, rounded up to 2, and never the budget itself.
    expect(shortTrainingWarning({ shareSec: 100, finalSec: 50.2, cacheSec: 0, budgetMinutes: 1 })).toMatch(/A time budget of 2 minutes or more/)
  })
  it('says so when the final pass outgrows the whole stage, as on full-size frames', () => {
    // 1440x2560 frames, about 30 s each through mirrored tiles: 64 of them for the thresholds (1,900 s) against a
    // 20-minute budget's stage 2 of 700 s after 150 s of reconstructions. 850 s in all, 2,050 fixed:
    // 20 x 2 x 2,050 / 850 = 96.5, so 97 minutes.
    expect(shortTrainingWarning({ shareSec: 700, finalSec: 1900, cacheSec: 150, budgetMinutes: 20 })).toBe(
      'stage 2 trained for 0.0 of its 14.2 minutes: 31.7 go to the final pass that sets the thresholds and 2.5 to timing and reconstructing the validation frames, so the run ends late. ' +
        'A time budget of 97 minutes or more would train for at least half of it'
    )
  })
  it('stays quiet when training has half of the time or more', () => {
    expect(shortTrainingWarning({ shareSec: 190, finalSec: 90, cacheSec: 10, budgetMinutes: 4 })).toBeNull()
    // A 15-minute run's proportions: 11 of 13 minutes train.
    expect(shortTrainingWarning({ shareSec: 770, finalSec: 110, cacheSec: 9, budgetMinutes: 15 })).toBeNull()
    expect(shortTrainingWarning({ shareSec: 0, finalSec: 0, cacheSec: 0, budgetMinutes: 1 })).toBeNull()
  })
})

describe('stage2TimeWarning', () => {
  it('gives one warning when the fixed costs leave no round of steps: the one that names a budget', () => {
    // The full-size case above: no time left to train, so neither one round (60 s) nor a step fits.
    const w = stage2TimeWarning({ seconds: -1200, finalSec: 1900, cacheSec: 150, budgetMinutes: 20, rounds: 1, valSec: 60, stepSec: 0.5, steps: 1 })
    expect(w).toBe(shortTrainingWarning({ shareSec: 700, finalSec: 1900, cacheSec: 150, budgetMinutes: 20 }))
  })
  it('still notes a stage whose steps alone outgrow it', () => {
    // Training keeps 100 of 120 s, but one round of validation (10 s) and a 95 s step do not fit in them.
    expect(stage2TimeWarning({ seconds: 100, finalSec: 15, cacheSec: 5, budgetMinutes: 2, rounds: 1, valSec: 10, stepSec: 95, steps: 1 })).toBe(
      'the time budget was too short for stage 2: trained 1 step, the minimum'
    )
    expect(stage2TimeWarning({ seconds: 100, finalSec: 15, cacheSec: 5, budgetMinutes: 2, rounds: 1, valSec: 10, stepSec: 0.2, steps: 400 })).toBeNull()
  })
})
