import { describe, expect, it } from 'vitest'
import type { PixelCounts } from './histogram'
import { evidenceOf, sortByEvidence, type EvidenceClass } from './order'

const counts = (tp: number, fp: number, fn: number): PixelCounts => ({ tp, fp, fn, tn: 1000 - tp - fp - fn })
const defect = (c: PixelCounts, maxProb: number, threshold = 0.5): EvidenceClass => ({ kind: 'defect', counts: c, maxProb, threshold })

function frame(imageId: number, classes: EvidenceClass[], normal = false) {
  return { imageId, evidence: evidenceOf({ area: 1000, normal, classes }) }
}

describe('review queue order', () => {
  it('puts false-positive evidence first, then missed defects, then scores near the threshold, then the rest', () => {
    const items = [
      frame(1, [defect(counts(0, 0, 0), 0.1)]), // rest
      frame(2, [defect(counts(0, 0, 0), 0.45)]), // uncertain: 0.05 below
      frame(3, [defect(counts(5, 0, 40), 0.9)]), // missed 40 of 45
      frame(4, [defect(counts(20, 30, 0), 0.8)]), // FP pixels beside a label
      frame(5, [defect(counts(0, 10, 0), 0.7)], true), // normal frame firing at 0.7
      frame(6, [defect(counts(0, 80, 0), 0.6)]), // unlabelled, 80 px predicted
      frame(7, [defect(counts(0, 5, 0), 0.95)], true), // normal frame firing at 0.95
      frame(8, [defect(counts(10, 0, 10), 0.9)]), // missed 10 of 20
      frame(9, [defect(counts(4, 0, 0), 0.58)]), // uncertain: 0.08 above, every predicted pixel on the label
      frame(10, [defect(counts(0, 0, 0), 0.2)]) // rest
    ]
    const order = sortByEvidence(items).map((i) => [i.imageId, i.evidence.tier])
    expect(order).toEqual([
      [7, 'fp'], // normal frames by score
      [5, 'fp'],
      [6, 'fp'], // then by the share of the frame predicted outside labels
      [4, 'fp'],
      [3, 'missed'], // by the share of labelled pixels missed
      [8, 'missed'],
      [2, 'uncertain'], // nearest the threshold first
      [9, 'uncertain'],
      [10, 'rest'], // by score
      [1, 'rest']
    ])
  })

  it('ignores region classes and breaks ties by image id', () => {
    const region: EvidenceClass = { kind: 'region', counts: counts(0, 500, 0), maxProb: 1, threshold: 0.5 }
    const a = frame(12, [region, defect(counts(0, 0, 0), 0.1)])
    const b = frame(11, [defect(counts(0, 0, 0), 0.1)])
    expect(a.evidence.tier).toBe('rest')
    expect(a.evidence.fpPixels).toBe(0)
    expect(sortByEvidence([a, b]).map((i) => i.imageId)).toEqual([11, 12])
  })

  it('sums evidence over the defect classes', () => {
    const e = evidenceOf({ area: 100, normal: false, classes: [defect(counts(1, 2, 3), 0.7), defect(counts(4, 5, 6), 0.3, 0.35)] })
    expect(e).toMatchObject({ tier: 'fp', fpPixels: 7, fpShare: 0.07, missedPixels: 9, missedShare: 9 / 14, score: 0.7 })
    expect(e.margin).toBeCloseTo(0.05, 12)
  })
})
