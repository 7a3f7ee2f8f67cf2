import { describe, expect, it } from 'vitest'
import { deltaClass, formatDelta, formatDuration, formatEta, formatLoss, formatMetric, formatTick, newLabelsLine, runTitle, stageFraction, stageName } from './format'

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
