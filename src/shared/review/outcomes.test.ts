import { describe, expect, it } from 'vitest'
import { rasterizePolygon } from '../geometry/raster'
import { createRng } from '../random'
import { buildHistogram, countsAt, labelledPixels, maxProbability } from './histogram'
import { encodeProbability } from './mapCode'
import { countPixels, frameOutcome, OUTCOME, pixelOutcomes, predictMask, prf } from './outcomes'

describe('thresholds on the stored maps', () => {
  it('predicts the pixels at or above the threshold', () => {
    // Bytes 127 and 128 stand for logits -/+ 16/255 (./mapCode.ts), on either side of 0.5.
    expect([...predictMask([0, 127, 128, 255], 0.5)]).toEqual([0, 0, 1, 1])
    expect([...predictMask([0, 255], 0)]).toEqual([1, 1])
  })
})

describe('TP / FP / FN per pixel', () => {
  it('codes each pixel by prediction and label', () => {
    const pred = [1, 1, 0, 0]
    const truth = [1, 0, 1, 0]
    expect([...pixelOutcomes(pred, truth)]).toEqual([OUTCOME.tp, OUTCOME.fp, OUTCOME.fn, OUTCOME.none])
    expect(countPixels(pred, truth)).toEqual({ tp: 1, fp: 1, fn: 1, tn: 1 })
    expect(() => pixelOutcomes([1], [1, 0])).toThrow(/size/)
  })

  it('a labelled square against a shifted predicted square, with the shared rasteriser', () => {
    const w = 20
    const h = 10
    const truth = rasterizePolygon([2, 2, 8, 2, 8, 8, 2, 8], w, h) // 6x6 = 36 px
    const prob = new Uint8Array(w * h)
    // Predicted square columns 5..10, rows 2..7 (36 px), 18 px overlapping the label.
    for (let y = 2; y < 8; y++) for (let x = 5; x < 11; x++) prob[y * w + x] = encodeProbability(0.8)
    prob[0] = encodeProbability(0.4) // below a 0.5 threshold
    const c = countPixels(predictMask(prob, 0.5), truth)
    expect(c).toEqual({ tp: 18, fp: 18, fn: 18, tn: w * h - 54 })
    // The histogram gives the same counts at any threshold, without the map.
    const hist = buildHistogram(prob, truth)
    expect(countsAt(hist, 0.5)).toEqual(c)
    expect(countsAt(hist, 0.3)).toEqual({ ...c, fp: 19, tn: w * h - 55 })
    expect(countsAt(hist, 0.9)).toEqual({ tp: 0, fp: 0, fn: 36, tn: w * h - 36 })
    expect(labelledPixels(hist)).toBe(36)
    const m = maxProbability(hist)
    expect(Math.abs(Math.log(m / (1 - m)) - Math.log(0.8 / 0.2))).toBeLessThanOrEqual(16 / 255) // within half a byte
  })

  it('histogram counts equal direct counting on random maps at every threshold', () => {
    const rng = createRng(3)
    const n = 4000
    const prob = Uint8Array.from({ length: n }, () => rng.int(0, 255))
    const truth = Uint8Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : 0))
    const hist = buildHistogram(prob, truth)
    for (const t of [0, 0.01, 0.25, 0.5, 0.731, 0.999, 1]) {
      expect(countsAt(hist, t)).toEqual(countPixels(predictMask(prob, t), truth))
    }
  })
})

describe('TP / FP / FN per frame', () => {
  it('labelled frames are TP when the prediction touches the labels, else FN; unlabelled ones FP when anything is predicted', () => {
    expect(frameOutcome({ tp: 3, fp: 50, fn: 10, tn: 0 })).toBe('tp')
    expect(frameOutcome({ tp: 0, fp: 50, fn: 10, tn: 0 })).toBe('fn') // predicted, but elsewhere: the defect was missed
    expect(frameOutcome({ tp: 0, fp: 0, fn: 10, tn: 0 })).toBe('fn')
    expect(frameOutcome({ tp: 0, fp: 1, fn: 0, tn: 99 })).toBe('fp')
    expect(frameOutcome({ tp: 0, fp: 0, fn: 0, tn: 99 })).toBe('tn')
    // A speck below minPixels on a clean frame is not a false-positive frame.
    expect(frameOutcome({ tp: 0, fp: 3, fn: 0, tn: 99 }, 4)).toBe('tn')
  })

  it('precision, recall and F1 are null where undefined', () => {
    expect(prf({ tp: 2, fp: 2, fn: 0 })).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3 })
    expect(prf({ tp: 0, fp: 0, fn: 0 })).toEqual({ precision: null, recall: null, f1: null })
  })
})
