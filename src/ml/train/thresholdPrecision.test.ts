/**
 * The warning against the review's own rule: maps stored as the inference
 * job writes them (Math.round(p x 255)) and thresholded by the review's
 * thresholdByte, against the float comparison the evaluation makes.
 */
import { describe, expect, it } from 'vitest'
import { thresholdByte } from '../../shared/review/histogram'
import { mapPrecisionWarnings } from './thresholdPrecision'

/** Logits evenly spread from -20 to 20, and their probabilities. */
const logits = Array.from({ length: 40_001 }, (_, i) => -20 + i / 1000)
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

/** The largest logit distance from the threshold's at which the review's mask and the float comparison disagree. */
function widestDisagreement(t: number): number {
  const b = thresholdByte(t)
  const zt = Math.log(t / (1 - t))
  let widest = 0
  for (const z of logits) {
    const p = sigmoid(z)
    if (p >= t !== Math.round(p * 255) >= b) widest = Math.max(widest, Math.abs(z - zt))
  }
  return widest
}

describe('thresholds the stored maps cannot hold', () => {
  it('names the classes whose thresholds the 8-bit maps cannot hold, and which way the review errs', () => {
    const w = mapPrecisionWarnings({ fold: 0.99998, lathe: 0.5, edge_crack: 0.0004, crack: 0.98 })
    expect(w).toHaveLength(2)
    expect(w[0]).toMatch(/^the threshold of fold \(0\.999980\) is finer than the review's 8-bit maps hold: .* above about 0\.998, more than the run evaluated; the outputs are over-confident$/)
    expect(w[1]).toMatch(/^the threshold of edge_crack \(0\.000400000\) .* above about 0\.00196, fewer than the run evaluated$/)
  })

  it('warns exactly where the review and the evaluation disagree on pixels more than one logit from the threshold', () => {
    for (const t of [0.99998, 0.9995, 0.0004, 0.5, 0.9, 0.98, 0.995, 0.02, 0.003]) {
      const warned = mapPrecisionWarnings({ x: t }).length === 1
      expect([t, warned]).toEqual([t, widestDisagreement(t) > 1.001])
    }
  })
})
