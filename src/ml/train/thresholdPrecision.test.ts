/**
 * The warning against the review's own rule: maps stored as the inference
 * job writes them (encodeProbability) and thresholded by the review's
 * thresholdByte, against the float comparison the evaluation makes.
 */
import { describe, expect, it } from 'vitest'
import { encodeProbability, thresholdByte } from '../../shared/review/mapCode'
import { mapPrecisionWarnings } from './thresholdPrecision'

/** Logits evenly spread from -22 to 22, and their probabilities. */
const logits = Array.from({ length: 44_001 }, (_, i) => -22 + i / 1000)
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

/** The largest logit distance from the threshold's at which the review's mask and the float comparison disagree. */
function widestDisagreement(t: number): number {
  const b = thresholdByte(t)
  const zt = Math.log(t / (1 - t))
  let widest = 0
  for (const z of logits) {
    const p = sigmoid(z)
    if (p >= t !== encodeProbability(p) >= b) widest = Math.max(widest, Math.abs(z - zt))
  }
  return widest
}

describe('thresholds the stored maps cannot hold', () => {
  it('names the classes whose thresholds lie beyond the stored maps, and which way the review errs', () => {
    const w = mapPrecisionWarnings({ fold: 1 - 1e-8, lathe: 0.5, edge_crack: 1e-8, crack: 0.99998 })
    expect(w).toHaveLength(2)
    expect(w[0]).toMatch(/^the threshold of fold \(1\.00000\) is beyond what the review's stored maps hold .* above about 1\.00, more than the run evaluated; the outputs are over-confident$/)
    expect(w[1]).toMatch(/^the threshold of edge_crack \(1\.00000e-8\) .* above about 1\.2\de-7, fewer than the run evaluated$/)
  })

  it('warns exactly where the review and the evaluation disagree on pixels more than one logit from the threshold', () => {
    for (const t of [1 - 1e-8, 1e-8, 1 - 1e-9, 0.99998, 0.9999987, 0.9995, 0.0004, 0.5, 0.9, 0.98, 0.995, 0.02, 0.003, 1e-6]) {
      const warned = mapPrecisionWarnings({ x: t }).length === 1
      expect([t, warned]).toEqual([t, widestDisagreement(t) > 1.001])
    }
  })

  it('holds the thresholds of the over-confident demo model that 8-bit linear maps could not', () => {
    // The 20:31 model's thresholds (docs/experiments.md, fourteenth measurement): within a tenth of a logit now.
    for (const t of [0.99998, 0.9999987]) expect(widestDisagreement(t)).toBeLessThan(0.1)
  })
})
