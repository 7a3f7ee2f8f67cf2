import { describe, expect, it } from 'vitest'
import { heatColour, heatLut, OUTCOME_COLOURS } from '../../../shared/review/colors'
import { encodeProbability } from '../../../shared/review/mapCode'
import { diffRgba, heatRgba, maxOf, outcomeRgba } from './layers'

/** Maps as the engine stores them (shared/review/mapCode.ts), from probabilities. */
const coded = (probs: number[]): Uint8Array => Uint8Array.from(probs, encodeProbability)
const px = (rgba: Uint8ClampedArray, i: number) => [...rgba.subarray(i * 4, i * 4 + 4)]

describe('review pane layers', () => {
  it('colours TP, FP and FN per pixel at the threshold, FP winning over another class\'s FN', () => {
    // Pixels: TP, FP, FN, none, and one both classes fire on, which the higher (class 2, unlabelled) takes.
    const fold = { classId: 1, name: 'fold', kind: 'defect' as const, prob: coded([0.78, 0.78, 0.04, 0.04, 0.78]), truth: Uint8Array.from([1, 0, 1, 0, 1]), threshold: 0.5 }
    const crack = { classId: 2, name: 'crack', kind: 'defect' as const, prob: coded([0, 0, 0, 0, 1]), truth: Uint8Array.from([0, 0, 0, 0, 0]), threshold: 0.5 }
    const o = outcomeRgba([fold, crack], 5)
    expect(px(o.rgba, 0)).toEqual([...OUTCOME_COLOURS.tp, 230])
    expect(px(o.rgba, 1)).toEqual([...OUTCOME_COLOURS.fp, 230])
    expect(px(o.rgba, 2)).toEqual([...OUTCOME_COLOURS.fn, 230])
    expect(px(o.rgba, 3)).toEqual([0, 0, 0, 0])
    expect(px(o.rgba, 4)).toEqual([...OUTCOME_COLOURS.fp, 230])
    // Pixel 4: crack (1) beats fold (0.78), so fold misses its label there: FN of fold, FP of crack.
    expect({ tp: o.tp, fp: o.fp, fn: o.fn }).toEqual({ tp: 1, fp: 2, fn: 2 })
    // A higher threshold turns the TPs into FNs and drops the FP of fold.
    const high = outcomeRgba([{ ...fold, threshold: 0.9 }], 5)
    expect({ tp: high.tp, fp: high.fp, fn: high.fn }).toEqual({ tp: 0, fp: 0, fn: 3 })
    // A class without a map predicts nothing.
    expect(outcomeRgba([{ ...fold, prob: null }], 5).fn).toBe(3)
  })

  it('lets a hidden defect class take pixels from a shown one, and leaves a region class independent', () => {
    const fold = { classId: 1, name: 'fold', kind: 'defect' as const, prob: coded([0.78, 0.78]), truth: Uint8Array.from([1, 1]), threshold: 0.5 }
    // Crack fires above fold on pixel 0 only; it is not painted.
    const crack = { classId: 2, name: 'crack', kind: 'defect' as const, prob: coded([0.98, 0.59]), truth: Uint8Array.from([0, 0]), threshold: 0.5, shown: false }
    const lathe = { classId: 3, name: 'lathe', kind: 'region' as const, prob: coded([1, 1]), truth: Uint8Array.from([0, 0]), threshold: 0.5, shown: false }
    const o = outcomeRgba([fold, crack, lathe], 2)
    expect({ tp: o.tp, fp: o.fp, fn: o.fn }).toEqual({ tp: 1, fp: 0, fn: 1 })
    expect(px(o.rgba, 0)).toEqual([...OUTCOME_COLOURS.fn, 230])
    // Below its threshold crack takes nothing: both fold pixels are TPs.
    const low = outcomeRgba([fold, { ...crack, threshold: 0.99 }, lathe], 2)
    expect(low.tp).toBe(2)
  })

  it('maps probabilities through the colour scale, and takes the max over classes', () => {
    const lut = heatLut()
    const rgba = heatRgba(Uint8Array.from([0, 255, 128]), lut)
    expect(px(rgba, 0)).toEqual([...heatColour(0), 255])
    expect(px(rgba, 1)).toEqual([...heatColour(1), 255])
    // Byte 128 stands for logit 16/255 (probability 0.516), not 128/255.
    expect(px(rgba, 2)).toEqual([...heatColour(1 / (1 + Math.exp(-16 / 255))), 255])
    expect([...maxOf([Uint8Array.from([1, 9]), null, Uint8Array.from([5, 2])], 2)]).toEqual([5, 9])
  })

  it('shows |frame - reconstruction| as grey', () => {
    const frame = Uint8ClampedArray.from([100, 100, 100, 255, 0, 0, 0, 255])
    const recon = Uint8ClampedArray.from([90, 110, 100, 255, 0, 0, 0, 255])
    const d = diffRgba(frame, recon, 3)
    expect(px(d, 0)).toEqual([20, 20, 20, 255])
    expect(px(d, 1)).toEqual([0, 0, 0, 255])
    expect(() => diffRgba(frame, recon.subarray(0, 4))).toThrow(/differ in size/)
  })
})
