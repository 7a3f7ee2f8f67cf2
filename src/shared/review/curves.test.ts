import { describe, expect, it } from 'vitest'
import { auroc, averagePrecision } from '../arcd/ranking'
import { createRng } from '../random'
import { curvesFromHistogram } from './curves'
import { buildHistogram } from './histogram'
import { curveSvg } from './svg'

describe('ROC and PR curves from a class histogram', () => {
  it('agree with the exact AUROC and AP of src/shared/arcd/metrics on the same 8-bit scores', () => {
    const rng = createRng(11)
    const n = 3000
    const truth = Uint8Array.from({ length: n }, () => (rng.next() < 0.15 ? 1 : 0))
    // Positives score higher on average, with many ties (8-bit).
    const prob = Uint8Array.from(truth, (t) => Math.min(255, Math.max(0, Math.round((t ? 150 : 90) + (rng.next() - 0.5) * 200))))
    const c = curvesFromHistogram(buildHistogram(prob, truth), 0.5)
    const scores = Array.from(prob, (b) => b / 255)
    expect(c.auroc).toBeCloseTo(auroc(scores, truth)!, 10)
    expect(c.ap).toBeCloseTo(averagePrecision(scores, truth)!, 10)
    expect(c.positives + c.negatives).toBe(n)
    expect(c.points[0]).toMatchObject({ fpr: 0, tpr: 0 })
    expect(c.points[c.points.length - 1]).toMatchObject({ fpr: 1, tpr: 1 })
    // The operating point is the counts at the threshold.
    const tp = prob.filter((b, i) => b >= 128 && truth[i]).length
    const fp = prob.filter((b, i) => b >= 128 && !truth[i]).length
    expect(c.operating).toMatchObject({ tp, fp, tpr: tp / c.positives, fpr: fp / c.negatives, precision: tp / (tp + fp) })
  })

  it('gives null areas without positives or negatives, and an SVG either way', () => {
    const c = curvesFromHistogram(buildHistogram([10, 20, 30], [0, 0, 0]), 0.5)
    expect(c.auroc).toBeNull()
    expect(c.ap).toBeNull()
    expect(c.operating.precision).toBeNull()
    const svg = curveSvg(c, 'pr', { title: 'fold <x>', colour: '#ff0000' })
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(svg).toContain('fold &lt;x&gt;')
    expect(svg).toContain('AP n/a')
  })
})
