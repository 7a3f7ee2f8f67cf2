/** The regression guard's rule on hand-built reports: which drops count, by how much, and which do not. */
import { describe, expect, it } from 'vitest'
import type { ClassMetrics, EvalReport, GroupMetrics } from '../../../shared/arcd/metrics'
import { describeDrops, findRegressions } from './regression'

function cls(name: string, pixelAp: number | null, kind: 'defect' | 'region' = 'defect'): ClassMetrics {
  return { name, kind, threshold: 0.5, positives: 100, pixelAuroc: null, pixelAp, iou: null, accuracy: null }
}

function marking(c: ClassMetrics, normalsMarked: number): ClassMetrics {
  return { ...c, frames: 5, framesFound: 5, normalsMarked }
}

/** Five defect frames and `normals` normal ones. */
function report(miou: number | null, classes: ClassMetrics[], normals = 5): EvalReport {
  const overall: GroupMetrics = {
    images: 5 + normals,
    anomalousImages: 5,
    mpa: null,
    miou,
    background: { accuracy: null, iou: null },
    classes,
    regions: [],
    imageAuroc: null,
    ra: null,
    l2: null,
    ssim: null
  }
  return { classes: classes.map((c) => ({ name: c.name, kind: c.kind })), thresholds: {}, overall, perView: {} }
}

describe('the regression guard', () => {
  const active = report(0.235, [cls('fold', 0.4), cls('edge_crack', 0.3), cls('lathe', 0.9, 'region')])

  it('flags the MIoU drop of the issue (0.235 to 0.042) with its size', () => {
    const check = findRegressions(active, report(0.042, [cls('fold', 0.4), cls('edge_crack', 0.3)]), 0.02)
    expect(check.regressed).toBe(true)
    expect(check.drops).toEqual([{ metric: 'MIoU', a: 0.235, b: 0.042, drop: expect.closeTo(0.193, 12) }])
    expect(describeDrops(check.drops)).toBe('MIoU fell by 0.193 (0.235 -> 0.042)')
  })

  it('flags a defect class whose pixel AP fell by more than the margin, even when MIoU rose', () => {
    const check = findRegressions(active, report(0.3, [cls('fold', 0.37), cls('edge_crack', 0.29)]), 0.02)
    expect(check.drops.map((d) => d.metric)).toEqual(['fold pixel AP'])
    expect(check.drops[0]!.drop).toBeCloseTo(0.03, 12)
  })

  it('lets drops within the margin, rises and region classes pass', () => {
    const check = findRegressions(active, report(0.22, [cls('fold', 0.39), cls('edge_crack', 0.5), cls('lathe', 0.1, 'region')]), 0.02)
    expect(check).toEqual({ margin: 0.02, regressed: false, drops: [] })
    // The margin is the setting: at 0 the same 0.015 MIoU dip counts.
    expect(findRegressions(active, report(0.22, [cls('fold', 0.4), cls('edge_crack', 0.3)]), 0).drops.map((d) => d.metric)).toEqual(['MIoU'])
  })

  it('counts a class the new model has no output for as losing its whole AP', () => {
    const check = findRegressions(active, report(0.3, [cls('edge_crack', 0.3)]), 0.02)
    expect(check.drops).toEqual([{ metric: 'fold pixel AP', a: 0.4, b: null, drop: 0.4 }])
    expect(describeDrops(check.drops)).toMatch(/fold pixel AP: the new model has no output for the class \(was 0\.400\)/)
  })

  it('does not compare figures undefined on a side (no positives among the frames)', () => {
    const check = findRegressions(report(null, [cls('fold', null)]), report(0.1, [cls('fold', 0.0)]), 0.02)
    expect(check.regressed).toBe(false)
    const noMiou = findRegressions(report(0.5, [cls('fold', 0.5)]), report(null, [cls('fold', 0.5)]), 0.02)
    expect(noMiou.regressed).toBe(false)
  })

  it('flags a defect class whose mask shows on a larger share of the normal frames, by two frames or more', () => {
    const base = report(0.3, [marking(cls('fold', 0.4), 1), marking(cls('edge_crack', 0.3), 3)], 20)
    // fold: 1 -> 4 of 20 normal frames (5% -> 20%); edge_crack: 3 -> 2, fewer.
    const check = findRegressions(base, report(0.3, [marking(cls('fold', 0.4), 4), marking(cls('edge_crack', 0.3), 2)], 20), 0.02)
    expect(check.drops).toEqual([{ metric: 'fold normal frames marked', a: 0.05, b: 0.2, drop: expect.closeTo(0.15, 12), rise: true }])
    expect(describeDrops(check.drops)).toBe('fold normal frames marked rose from 5% to 20% of the normal test frames')
    // One more frame (5% -> 10%, past the margin) is not enough; nor is a rise of two frames within the margin.
    expect(findRegressions(base, report(0.3, [marking(cls('fold', 0.4), 2), marking(cls('edge_crack', 0.3), 3)], 20), 0.02).regressed).toBe(false)
    expect(findRegressions(base, report(0.3, [marking(cls('fold', 0.4), 3), marking(cls('edge_crack', 0.3), 3)], 20), 0.2).regressed).toBe(false)
    // Shares, not counts: the same 4 frames of 80 normal frames are 5%, no rise over 1 of 20.
    expect(findRegressions(base, report(0.3, [marking(cls('fold', 0.4), 4), marking(cls('edge_crack', 0.3), 3)], 80), 0.02).regressed).toBe(false)
  })

  it('does not compare normal frames a report does not count (saved before frame counts, or no normal frame)', () => {
    const old = report(0.3, [cls('fold', 0.4)], 20)
    expect(findRegressions(old, report(0.3, [marking(cls('fold', 0.4), 20)], 20), 0.02).regressed).toBe(false)
    expect(findRegressions(report(0.3, [marking(cls('fold', 0.4), 0)], 0), report(0.3, [marking(cls('fold', 0.4), 0)], 0), 0.02).regressed).toBe(false)
  })

  it('refuses a margin that is not a number from 0 up', () => {
    expect(() => findRegressions(active, active, -0.1)).toThrow(/margin must be a number from 0 to 1, got -0.1/)
    expect(() => findRegressions(active, active, Number.NaN)).toThrow(/margin/)
  })
})
