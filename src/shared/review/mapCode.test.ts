/**
 * The stored maps' byte code against its definition written out here
 * (byte b <-> logit -16 + 32 b / 255, ends read as 0 and 1) and against
 * brute-force searches, not against the module's own helpers.
 */
import { describe, expect, it } from 'vitest'
import { CODE_OF_LINEAR, encodeProbability, LINEAR_OF_CODE, levelProbability, PROB_OF_BYTE, thresholdByte } from './mapCode'

const zOf = (b: number): number => -16 + (32 * b) / 255
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))
const logit = (p: number): number => Math.log(p / (1 - p))

describe('the stored maps code', () => {
  it('byte b stands for sigmoid(-16 + 32 b / 255), 0 and 1 at the ends, strictly increasing', () => {
    expect(PROB_OF_BYTE[0]).toBe(0)
    expect(PROB_OF_BYTE[255]).toBe(1)
    for (let b = 1; b < 255; b++) expect(PROB_OF_BYTE[b]).toBeCloseTo(sigmoid(zOf(b)), 14)
    for (let b = 1; b < 256; b++) expect(PROB_OF_BYTE[b]!).toBeGreaterThan(PROB_OF_BYTE[b - 1]!)
    expect(PROB_OF_BYTE[128]).toBeCloseTo(sigmoid(16 / 255), 12)
  })

  it('encodes a probability to the byte nearest its logit, anywhere a float32 probability is not 0 or 1', () => {
    for (let z = -15.9; z <= 15.9; z += 0.0137) {
      const b = encodeProbability(sigmoid(z))
      let nearest = 0
      for (let c = 1; c < 256; c++) if (Math.abs(zOf(c) - z) < Math.abs(zOf(nearest) - z)) nearest = c
      expect([z, b]).toEqual([z, nearest])
      expect(Math.abs(zOf(b) - z)).toBeLessThanOrEqual(16 / 255 + 1e-9)
    }
    expect([0, -1, Number.NaN, 1, 2, 1e-30, 1 - 1e-12].map(encodeProbability)).toEqual([0, 0, 0, 255, 255, 0, 255])
  })

  it('the threshold byte is the first byte whose probability reaches the threshold', () => {
    const brute = (t: number): number => {
      if (t <= 0) return 0
      for (let b = 0; b < 256; b++) if (PROB_OF_BYTE[b]! >= t) return b
      return 256
    }
    for (const t of [-1, 0, 1e-9, 1e-7, 0.0004, 0.002, 0.3, 0.5, 0.51, 0.9, 0.99998, 0.9999987, 1 - 1e-8, 1, 1.01]) expect([t, thresholdByte(t)]).toEqual([t, brute(t)])
    for (let b = 1; b < 255; b++) expect(thresholdByte(PROB_OF_BYTE[b]!)).toBe(b) // a slider landing on a level keeps it
    expect(thresholdByte(0.5)).toBe(128)
    expect(() => thresholdByte(Number.NaN)).toThrow(/finite/)
    expect(levelProbability(256)).toBeGreaterThan(1)
    expect(levelProbability(128)).toBe(PROB_OF_BYTE[128])
  })

  it('byte >= thresholdByte(t) marks what p >= t marks, except within half a byte (1/16 logit) of t', () => {
    for (const t of [0.003, 0.2, 0.5, 0.97, 0.99998, 0.9999987]) {
      const tb = thresholdByte(t)
      for (let z = -17; z <= 17; z += 0.001) {
        const p = sigmoid(z)
        if (p >= t !== encodeProbability(p) >= tb) expect(Math.abs(z - logit(t))).toBeLessThanOrEqual(16 / 255 + 1e-9)
      }
    }
  })

  it('reads the linear bytes of earlier versions into the code, and shows the code linearly', () => {
    expect(CODE_OF_LINEAR[0]).toBe(0)
    expect(CODE_OF_LINEAR[255]).toBe(255)
    for (let b = 1; b < 255; b++) {
      const z = logit(b / 255)
      expect(Math.abs(zOf(CODE_OF_LINEAR[b]!) - z)).toBeLessThanOrEqual(16 / 255 + 1e-9)
      if (b > 1) expect(CODE_OF_LINEAR[b]!).toBeGreaterThanOrEqual(CODE_OF_LINEAR[b - 1]!)
    }
    for (let b = 0; b < 256; b++) expect(LINEAR_OF_CODE[b]).toBe(Math.round(255 * (b === 0 ? 0 : b === 255 ? 1 : sigmoid(zOf(b)))))
  })
})
