import { describe, expect, it } from 'vitest'
import { SLIDER_MAX, sliderStop, stopThreshold } from './thresholdSlider'

/** A stop's threshold from the maps' definition: logit -16 + 32 s / 255, ends 0 and 1. */
const fromDefinition = (s: number): number => (s === 0 ? 0 : s === 255 ? 1 : 1 / (1 + Math.exp(16 - (32 * s) / 255)))

describe('the threshold slider', () => {
  it('has a stop per stored level, 1/8 logit apart, from 0 to 1', () => {
    expect(SLIDER_MAX).toBe(255)
    for (let s = 0; s <= 255; s++) expect(stopThreshold(s)).toBeCloseTo(fromDefinition(s), 14)
    expect([stopThreshold(-3), stopThreshold(300), stopThreshold(127.6)]).toEqual([0, 1, stopThreshold(128)])
    // Between 0.99 and 1 it has stops, not none.
    const near1 = Array.from({ length: 256 }, (_, s) => stopThreshold(s)).filter((t) => t > 0.99 && t < 1)
    expect(near1.length).toBeGreaterThan(80)
  })

  it('puts a threshold on the stop the review cuts it at, and a stop back on itself', () => {
    for (let s = 0; s <= 255; s++) expect(sliderStop(stopThreshold(s))).toBe(s)
    // 0.9971 (the demo's fold): the first stop at or above it.
    const s = sliderStop(0.9971)
    expect(fromDefinition(s)).toBeGreaterThanOrEqual(0.9971)
    expect(fromDefinition(s - 1)).toBeLessThan(0.9971)
    expect([sliderStop(0), sliderStop(1), sliderStop(1.5)]).toEqual([0, 255, 255])
  })
})
