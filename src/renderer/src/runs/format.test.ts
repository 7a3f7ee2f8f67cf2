import { describe, expect, it } from 'vitest'
import type { RunSetup, TrainingSettings } from '../../../shared/contract'
import {
  deltaClass,
  formatDelta,
  formatDrop,
  formatDuration,
  formatFrames,
  formatPoints,
  formatShare,
  formatEta,
  formatLoss,
  formatMetric,
  formatTick,
  newLabelsLine,
  planText,
  runTitle,
  setupRows,
  stageFraction,
  stageName,
  trainingSettingsLine
} from './format'

describe('run wording', () => {
  it('says how many defects are new since the active model', () => {
    expect(newLabelsLine(12, 7)).toBe('12 new defects since model #7')
    expect(newLabelsLine(1, 7)).toBe('1 new defect since model #7')
    expect(newLabelsLine(0, 7)).toBe('no new defects since model #7')
    expect(newLabelsLine(12, null)).toBe('12 defects labelled, no model yet')
    expect(newLabelsLine(0, null)).toBe('no defect labels yet')
  })

  it('names stages and runs for people', () => {
    expect(stageName('recon')).toBe('reconstruction')
    expect(stageName('disc')).toBe('segmentation')
    expect(stageName('something-new')).toBe('something-new')
    expect(runTitle({ id: 3, kind: 'train', arch: 'unet' })).toBe('Run #3 · U-Net baseline training')
    expect(runTitle({ id: 4, kind: 'infer', arch: 'arcd' })).toBe('Run #4 · pre-annotation')
  })

  it('formats time left and durations, and nothing for an unknown ETA', () => {
    expect(formatEta(null)).toBe('')
    expect(formatEta(Number.NaN)).toBe('')
    expect(formatEta(4.2)).toBe('about 5 s left')
    expect(formatEta(125)).toBe('about 2 min 5 s left')
    expect(formatEta(7260)).toBe('about 2 h 1 min left')
    expect(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T00:01:05Z')).toBe('1 min 5 s')
    expect(formatDuration(null, null)).toBe('')
  })

  it('shows shares as whole percents and their differences in points', () => {
    expect(formatShare(0.7)).toBe('70%')
    expect(formatShare(null)).toBe('–')
    expect(formatPoints(0.26 - 0.7)).toBe('−44 pts')
    expect(formatPoints(0.1)).toBe('+10 pts')
    expect(formatPoints(0.001)).toBe('±0 pts')
    expect(formatPoints(null)).toBe('–')
  })

  it('counts frames out of a total, and a dash where a report has no count', () => {
    expect(formatFrames(3, 11)).toBe('3 of 11 (27%)')
    expect(formatFrames(0, 100)).toBe('0 of 100 (0%)')
    expect(formatFrames(undefined, 100)).toBe('–')
    expect(formatFrames(2, 0)).toBe('–')
  })

  it('signs deltas and marks which way they went', () => {
    expect(formatDelta(0.0412)).toBe('+0.041')
    expect(formatDelta(-0.2)).toBe('−0.200')
    expect(formatDelta(0.0001)).toBe('±0.000')
    expect(formatDelta(null)).toBe('–')
    expect([deltaClass(0.01), deltaClass(-0.01), deltaClass(0), deltaClass(null)]).toEqual(['up', 'down', 'same', 'same'])
    expect(formatMetric(null)).toBe('–')
    expect(formatMetric(0.41666)).toBe('0.417')
    expect(formatLoss(0.0147)).toBe('0.015')
    expect(formatLoss(0.0012345)).toBe('0.0012')
    // Axis ticks half a range apart get the decimals that tell them apart.
    expect([0.0295, 0.0298, 0.0301].map((v) => formatTick(v, 0.0003))).toEqual(['0.0295', '0.0298', '0.0301'])
    expect([0.1553, 0.1651, 0.1748].map((v) => formatTick(v, 0.0097))).toEqual(['0.155', '0.165', '0.175'])
    expect(formatTick(12.5, 5)).toBe('13')
  })

  it('counts a stage done by whole epochs plus the current epoch by its steps', () => {
    expect(stageFraction({ epoch: 1, epochs: 4, step: 5, steps: 10 })).toBeCloseTo(0.125)
    expect(stageFraction({ epoch: 4, epochs: 4, step: 10, steps: 10 })).toBe(1)
    // Evaluation and inference have no epochs: items done of all.
    expect(stageFraction({ epoch: 0, epochs: 0, step: 3, steps: 12 })).toBe(0.25)
    expect(stageFraction({ epoch: 0, epochs: 0, step: 0, steps: 0 })).toBe(0)
  })
})

describe('training settings and what a run did', () => {
  const settings: TrainingSettings = {
    preset: 'cpu',
    input: 'tiles',
    size: 256,
    maxShortSide: 1024,
    reconBase: 8,
    discBase: 8,
    reconDepth: 4,
    discDepth: 4,
    budgetMinutes: 20,
    steps1: 600,
    steps2: 1200,
    evalRounds: 12,
    epochs1: 20,
    epochs2: 30,
    batchSize: 8,
    lr: 0.002,
    loss: 'focal-dice',
    ssimWeight: 1,
    pretrainShare: 0,
    rotate90: true,
    maxNormalMarked: 0.2,
    inferFlips: true,
    autoPromote: false,
    regressionMargin: 0.02
  }

  it('says the settings in one line, the length in the unit that applies', () => {
    expect(trainingSettingsLine(settings)).toBe(
      'CPU preset · 20 min · 256 px crops, tiles up to 256 px, short side up to 1024 px · widths 8/8, depths 4/4 · batch 8, lr 0.002 · focal + Dice · thresholds: best F1, each class on at most 20% of normal frames · auto-promote off'
    )
    expect(trainingSettingsLine({ ...settings, budgetMinutes: 0 })).toContain('· 600 + 1200 steps ·')
    expect(trainingSettingsLine({ ...settings, pretrainShare: 0.3 })).toContain('· focal + Dice · simulated anomalies in the first 30% of stage 2 · thresholds: best F1, each')
    expect(trainingSettingsLine({ ...settings, maxNormalMarked: 1 })).toContain('· focal + Dice · thresholds: best F1 · auto-promote off')
    // Letterbox training keeps best-F1 thresholds: the line does not claim a cap.
    expect(trainingSettingsLine({ ...settings, input: 'letterbox' })).not.toContain('thresholds')
    // Letterbox training has no simulated-anomaly steps, so the line does not claim any.
    expect(trainingSettingsLine({ ...settings, input: 'letterbox', pretrainShare: 0.3 })).not.toContain('simulated')
    expect(trainingSettingsLine({ ...settings, input: 'letterbox' })).toContain('· 20 + 30 epochs · whole frame letterboxed to 256 px ·')
    expect(trainingSettingsLine({ ...settings, inferFlips: false })).toContain('· focal + Dice · maps in one pass · thresholds: best F1, each')
    // Letterboxed models infer on one square: mirrored tiles do not apply.
    expect(trainingSettingsLine({ ...settings, input: 'letterbox', inferFlips: false })).not.toContain('one pass')
  })

  it('lists a run setup, leaving out what its architecture does not have', () => {
    const setup: RunSetup = {
      ...settings,
      steps1: 600,
      steps2: 1200,
      evalRounds: 12,
      budgetMinutes: 20,
      maxShortSide: 1024,
      seed: 3,
      reconSkips: true,
      reconResidual: true,
      skipStage1: false
    }
    expect(Object.fromEntries(setupRows(setup, 'arcd'))).toEqual({
      Preset: 'CPU',
      Input: '256 px crops, tiles up to 256 px, short side up to 1024 px',
      Length: '20 min, 12 validation rounds per stage',
      'Reconstruction net': 'width 8, depth 4, skip connections',
      'Segmentation net': 'width 8, depth 4, reads image and residual',
      Optimiser: 'batch 8, lr 0.002, seed 3',
      Loss: 'focal + Dice; stage 1 SSIM weight 1',
      'Simulated anomalies': 'none',
      Augmentation: 'flips and 90° turns',
      Thresholds: 'best F1, each class on at most 20% of normal frames',
      Inference: 'each tile and its three mirror images, averaged'
    })
    expect(Object.fromEntries(setupRows({ ...setup, maxNormalMarked: 1 }, 'unet'))['Thresholds']).toBe('best F1')
    expect(Object.fromEntries(setupRows({ ...setup, inferFlips: false }, 'unet'))['Inference']).toBe('one pass a tile')
    expect(Object.fromEntries(setupRows({ ...setup, pretrainShare: 0.25 }, 'arcd'))['Simulated anomalies']).toBe('the first 25% of stage 2')
    expect(Object.fromEntries(setupRows({ ...setup, pretrainShare: 0.25 }, 'unet'))['Simulated anomalies']).toBeUndefined()
    // A run recorded before these settings existed: letterboxed, the rest unknown.
    const old: RunSetup = { ...setup, preset: null, input: 'letterbox', maxShortSide: null, budgetMinutes: null, steps1: null, steps2: null, evalRounds: null, loss: null, ssimWeight: null, pretrainShare: null, rotate90: null, maxNormalMarked: null }
    expect(Object.fromEntries(setupRows({ ...old, reconSkips: false }, 'arcd'))['Reconstruction net']).toBe('width 8, depth 4, no skips')
    expect(Object.fromEntries(setupRows({ ...old, reconResidual: false }, 'arcd'))['Segmentation net']).toBe('width 8, depth 4, reads image and reconstruction')
    expect(Object.fromEntries(setupRows(old, 'unet'))).toEqual({
      Preset: 'not recorded',
      Input: 'whole frame letterboxed to 256 px',
      Length: '20 + 30 epochs',
      'U-Net': 'width 8, depth 4',
      Optimiser: 'batch 8, lr 0.002, seed 3',
      Loss: 'not recorded'
    })
  })

  it('says the plan: steps per stage and whether stage 1 was reused', () => {
    const plan = { input: 'tiles' as const, stage1Steps: 600, stage2Steps: 1200, secondsPerStep: { recon: 0.214, disc: 1.5 }, reconReused: false }
    expect(planText(plan, 'arcd')).toBe('stage 1: 600 steps (0.21 s each) · stage 2: 1200 steps (1.5 s each)')
    expect(planText({ ...plan, reconReused: true, secondsPerStep: { recon: null, disc: null } }, 'arcd')).toBe(
      'stage 1: reconstruction net reused from the warm-start model, not retrained · stage 2: 1200 steps'
    )
    expect(planText(plan, 'unet')).toBe('training: 1200 steps (1.5 s each)')
    expect(planText({ ...plan, stage2SimulatedSteps: 360 }, 'arcd')).toBe('stage 1: 600 steps (0.21 s each) · stage 2: 1200 steps (1.5 s each), the first 360 on simulated anomalies')
    const validation = { labelled: 24, normals: 40, roundLabelled: 24, roundNormals: 8, finalFlips: true, candidateLabelled: 24, candidateNormals: 40 }
    expect(planText({ ...plan, validation }, 'unet')).toBe('training: 1200 steps (1.5 s each) · thresholds from 24 labelled and 40 normal validation frames')
    expect(planText({ ...plan, validation: { ...validation, labelled: 8, normals: 10, finalFlips: false } }, 'unet')).toBe(
      'training: 1200 steps (1.5 s each) · thresholds from 8 of 24 labelled and 10 of 40 normal validation frames, maps without mirrored tiles'
    )
  })
})

describe('formatDrop', () => {
  it('says how a regression reads after its metric name', () => {
    expect(formatDrop({ metric: 'fold pixel AP', a: 0.4, b: 0.37, drop: 0.03 })).toBe(' fell by 0.030 (0.400 → 0.370)')
    expect(formatDrop({ metric: 'fold pixel AP', a: 0.4, b: null, drop: 0.4 })).toBe(': no output for the class (was 0.400)')
    expect(formatDrop({ metric: 'fold normal frames marked', a: 0.05, b: 0.2, drop: 0.15, rise: true })).toBe(' rose from 5% to 20% of the normal test frames')
  })
})
