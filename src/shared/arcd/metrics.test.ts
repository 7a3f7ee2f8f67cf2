import { describe, expect, it } from 'vitest'
import { ConfusionMatrix } from './confusion'
import { SegmentationEvaluator, reconstructionAccuracyRA } from './metrics'
import { auroc, averagePrecision, backgroundCapSorted, bestF1Threshold, frameCapSorted, nextAbove } from './ranking'

describe('ranking metrics', () => {
  it('matches hand-computed AUROC and AP without ties', () => {
    const scores = [0.1, 0.4, 0.35, 0.8]
    const labels = [0, 0, 1, 1]
    expect(auroc(scores, labels)).toBeCloseTo(0.75, 12)
    // thresholds 0.8 (R .5, P 1), 0.4 (no recall gain), 0.35 (R 1, P 2/3)
    expect(averagePrecision(scores, labels)).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12)
  })

  it('groups tied scores: half credit in AUROC, one step in AP', () => {
    const scores = [0.5, 0.5, 0.5, 0.9]
    const labels = [0, 1, 0, 1]
    // pairs: (0.5 vs 0.5) x2 = 1, (0.9 vs 0.5) x2 = 2 -> 3 / 4
    expect(auroc(scores, labels)).toBeCloseTo(0.75, 12)
    // 0.9: R .5 P 1; 0.5: R 1 P 2/4
    expect(averagePrecision(scores, labels)).toBeCloseTo(0.5 + 0.5 * 0.5, 12)
    expect(auroc([0.3, 0.3, 0.3], [1, 0, 0])).toBe(0.5)
    // Tie order must not matter: the same multiset in another order gives the same figures.
    expect(auroc([0.9, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBeCloseTo(0.75, 12)
  })

  it('returns null, not NaN, when only one class is present', () => {
    expect(auroc([0.1, 0.2], [0, 0])).toBeNull()
    expect(auroc([0.1, 0.2], [1, 1])).toBeNull()
    expect(averagePrecision([0.1, 0.2], [0, 0])).toBeNull()
    expect(averagePrecision([0.1, 0.2], [1, 1])).toBe(1)
    expect(bestF1Threshold([0.1], [0])).toBeNull()
    expect(auroc([], [])).toBeNull()
  })

  it('rejects NaN scores and mismatched lengths with a clear error', () => {
    expect(() => auroc([Number.NaN, 0.2], [1, 0])).toThrow(/NaN/)
    expect(() => auroc([0.1], [1, 0])).toThrow(/length/)
  })

  it('picks the best-F1 threshold', () => {
    // 0.9: F1 2/3; 0.6: 1/2; 0.3: 4/5; 0.1: 2/3
    const choice = bestF1Threshold([0.9, 0.3, 0.1, 0.6], [1, 1, 0, 0])
    expect(choice?.threshold).toBeCloseTo(0.3, 12)
    expect(choice?.f1).toBeCloseTo(0.8, 12)
  })
})

describe('background cap', () => {
  // Oracle: the smallest candidate threshold whose flagged count (p >= t), counted by brute force, is within the share.
  const bruteForce = (neg: number[], share: number): number => {
    const flagged = (t: number) => neg.filter((v) => v >= t).length
    const candidates = [...new Set(neg)].sort((a, b) => a - b)
    return candidates.find((t) => flagged(t) <= share * neg.length) ?? Math.max(...neg) + 1e-6
  }
  it('flags at most the share of background scores, ties included, and no more strictly than needed', () => {
    let seed = 7
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 60)
      // Coarse values so ties are common.
      const neg = Array.from({ length: n }, () => Math.round(rand() * 10) / 10)
      const share = [0, 0.01, 0.1, 0.25, 0.5, 1][trial % 6]!
      const sorted = Float64Array.from(neg).sort()
      const t = backgroundCapSorted(sorted, share)
      expect(t).toBeCloseTo(bruteForce(neg, share), 9)
      expect(neg.filter((v) => v >= t).length).toBeLessThanOrEqual(share * n)
    }
    expect(backgroundCapSorted(new Float64Array(), 0.1)).toBe(0)
  })
})

describe('frame cap', () => {
  it('marks at most the share of frames, ties included, and any lower peak as threshold would mark more', () => {
    let seed = 11
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const marked = (peaks: number[], t: number) => peaks.filter((v) => v >= t).length
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rand() * 50)
      const peaks = Array.from({ length: n }, () => Math.round(rand() * 20) / 20)
      const share = [0, 0.1, 0.2, 0.5, 0.99, 1][trial % 6]!
      const t = frameCapSorted(Float64Array.from(peaks).sort(), share)
      const allowed = Math.floor(share * n)
      expect(marked(peaks, t)).toBeLessThanOrEqual(allowed)
      // Lowest such threshold: every peak below it, taken as the threshold, marks too many frames.
      for (const v of peaks.filter((p) => p < t)) expect(marked(peaks, v)).toBeGreaterThan(allowed)
      if (allowed >= n) expect(t).toBe(-Infinity)
    }
  })

  it('steps just past a value: the value is left out, nothing above it is', () => {
    for (const v of [0, 0.2, 0.5, 1, -0.3, Math.fround(0.7), 1e-300]) {
      const up = nextAbove(v)
      expect(up).toBeGreaterThan(v)
      expect((up + v) / 2 === v || (up + v) / 2 === up).toBe(true)
    }
    // A float32 probability just above a float32 peak is still marked.
    const peak = Math.fround(0.8)
    const nextFloat32 = new Float32Array(new Int32Array([new Int32Array(Float32Array.of(peak).buffer)[0]! + 1]).buffer)[0]!
    expect(nextFloat32).toBeGreaterThanOrEqual(nextAbove(peak))
  })
})

describe('confusion matrix', () => {
  it('uses p_ii / (row + col - p_ii) for IoU and skips undefined classes in means', () => {
    const m = new ConfusionMatrix(3)
    m.add(0, 0, 6)
    m.add(1, 1, 2)
    m.add(1, 0, 2)
    // class 2 never appears: left out of the means
    expect(m.accuracy(1)).toBe(0.5)
    expect(m.iou(1)).toBe(0.5)
    expect(m.iou(0)).toBeCloseTo(6 / 8, 12)
    expect(m.iou(2)).toBeNull()
    expect(m.mpa()).toBeCloseTo((1 + 0.5) / 2, 12)
    expect(m.miou()).toBeCloseTo((0.75 + 0.5) / 2, 12)
  })
})

describe('RA (eq. 4-9)', () => {
  it('is 1 for a perfect reconstruction and falls exponentially', () => {
    expect(reconstructionAccuracyRA(0, 1)).toBe(1)
    expect(reconstructionAccuracyRA(1e-4, 1)).toBeCloseTo(Math.exp(-1), 12)
    expect(reconstructionAccuracyRA(0, 0.99)).toBeCloseTo(Math.exp(-1), 12)
  })
})

describe('SegmentationEvaluator', () => {
  const classes = [
    { name: 'A', kind: 'defect' as const },
    { name: 'B', kind: 'defect' as const },
    { name: 'R', kind: 'region' as const }
  ]
  const thresholds = { A: 0.5, B: 0.5, R: 0.5 }
  // 2x2 image, interleaved [A, B, R] per pixel.
  const probs = [0.9, 0.6, 0.2, 0.3, 0.7, 0.8, 0.1, 0.2, 0.6, 0.6, 0.1, 0.4]
  const targets = [1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0]

  function evaluator(): SegmentationEvaluator {
    const ev = new SegmentationEvaluator(classes, thresholds)
    ev.addImage({ view: 'D01', probs, targets, width: 2, height: 2, anomalous: true, score: 0.9, recon: { l2: 0, ssim: 1 } })
    ev.addImage({
      view: 'D02',
      probs: new Array(12).fill(0.2),
      targets: new Array(12).fill(0),
      width: 2,
      height: 2,
      anomalous: false,
      score: 0.3
    })
    return ev
  }

  it('computes MPA/MIoU over background + defects, regions separately, per view and overall', () => {
    const report = evaluator().report()
    const d1 = report.perView.D01!
    // confusion (truth rows bg,A,B): bg->bg 1; A->A 1, A->B 1; B->A 1
    expect(d1.background).toEqual({ accuracy: 1, iou: 1 })
    expect(d1.mpa).toBeCloseTo((1 + 0.5 + 0) / 3, 12)
    expect(d1.miou).toBeCloseTo((1 + 1 / 3 + 0) / 3, 12)
    const [a, b, r] = d1.classes
    expect(a).toMatchObject({ name: 'A', positives: 2, accuracy: 0.5, pixelAuroc: 0.75 })
    expect(a!.iou).toBeCloseTo(1 / 3, 12)
    expect(b).toMatchObject({ positives: 1, pixelAuroc: 0, iou: 0, accuracy: 0 })
    expect(r).toMatchObject({ pixelAuroc: 1, iou: 1, accuracy: 1 })
    expect(d1.regions).toEqual([{ name: 'R', mpa: 1, miou: 1 }])
    expect(d1.ra).toBe(1)
    // one image: image AUROC undefined
    expect(d1.imageAuroc).toBeNull()

    // The all-background view: every class AUROC undefined -> null, not NaN.
    const d2 = report.perView.D02!
    expect(d2.classes.map((c) => c.pixelAuroc)).toEqual([null, null, null])
    expect(d2.classes.map((c) => c.pixelAp)).toEqual([null, null, null])
    expect(d2.mpa).toBe(1)
    expect(d2.ra).toBeNull()

    const all = report.overall
    expect(all.images).toBe(2)
    expect(all.imageAuroc).toBe(1)
    // A overall: pos {.9,.3}, neg {.1,.6,.2 x4}: .9 beats all 6, .3 beats .1 and the four .2
    expect(all.classes[0]!.pixelAuroc).toBeCloseTo((6 + 5) / 12, 12)
    // background gains 4 correct pixels: confusion bg->bg 5
    expect(all.background.accuracy).toBe(1)
    expect(all.miou).toBeCloseTo((5 / 5 + 1 / 3 + 0) / 3, 12)
    expect(report.thresholds).toEqual(thresholds)
  })

  it('chooses best-F1 thresholds per class over all images', () => {
    const t = evaluator().chooseThresholds()
    // A: pos {.9,.3}, neg {.6,.1,.2,.2,.2,.2}: t=.3 gives tp 2, fp 1 -> F1 .8 (best)
    expect(t.A).toBeCloseTo(0.3, 6)
    // R: positives .8, .6 above every negative
    expect(t.R).toBeCloseTo(0.6, 6)
  })

  it('rejects maps of the wrong size, NaN probabilities and missing thresholds', () => {
    const ev = new SegmentationEvaluator(classes, thresholds)
    expect(() =>
      ev.addImage({ view: 'D01', probs: [0.1], targets: [0], width: 2, height: 2, anomalous: false, score: 0 })
    ).toThrow(/width\*height\*classes/)
    const bad = probs.slice()
    bad[4] = Number.NaN
    expect(() =>
      ev.addImage({ view: 'D01', probs: bad, targets, width: 2, height: 2, anomalous: true, score: 0 })
    ).toThrow(/NaN/)
    expect(() => new SegmentationEvaluator(classes, { A: 0.5 })).toThrow(/threshold for class "B"/)
  })

  it('scores only the given region', () => {
    const ev = new SegmentationEvaluator(classes, thresholds)
    ev.addImage({ view: 'D01', probs, targets, width: 2, height: 2, region: { x0: 0, y0: 0, x1: 1, y1: 1 }, anomalous: true, score: 1 })
    const o = ev.report().overall
    expect(o.classes[0]!.positives).toBe(1)
    expect(o.classes[0]!.pixelAuroc).toBeNull()
    expect(o.mpa).toBe(1)
  })

  it('counts frames per defect class as the masks show them: labelled, found, and normal frames marked', () => {
    const three = [
      { name: 'A', kind: 'defect' as const },
      { name: 'B', kind: 'defect' as const },
      { name: 'R', kind: 'region' as const }
    ]
    const ev = new SegmentationEvaluator(three, { A: 0.5, B: 0.4, R: 0.5 })
    // 3x1 frames, interleaved [A, B, R] per pixel; worked by hand with the one threshold rule.
    // 1: A labelled at 0 and marked there (found); B labelled at 1, A below its threshold there, so B is marked (found).
    ev.addImage({ view: 'V1', probs: [0.8, 0.3, 0, 0.45, 0.42, 0, 0.1, 0.1, 0.9], targets: [1, 0, 0, 0, 1, 0, 0, 0, 1], width: 3, height: 1, anomalous: true, score: 1 })
    // 2: A labelled at 0 but B outscores it there: A not found; B marked on a defect frame is no normal frame marked.
    ev.addImage({ view: 'V1', probs: [0.3, 0.9, 0, 0.6, 0.7, 0, 0, 0, 0], targets: [1, 0, 0, 0, 0, 0, 0, 0, 0], width: 3, height: 1, anomalous: true, score: 1 })
    // 3: normal; A and B both over their thresholds at 0, B higher: only B marks the frame; the region's pixel marks nothing.
    ev.addImage({ view: 'V2', probs: [0.55, 0.6, 0, 0, 0, 0.9, 0, 0, 0], targets: [0, 0, 0, 0, 0, 1, 0, 0, 0], width: 3, height: 1, anomalous: false, score: 0.6 })
    // 4: normal; A's only mark lies outside the scored region.
    ev.addImage({ view: 'V2', probs: [0, 0, 0, 0.1, 0, 0, 0.99, 0, 0], targets: new Array(9).fill(0), width: 3, height: 1, region: { x0: 0, y0: 0, x1: 2, y1: 1 }, anomalous: false, score: 0 })
    const r = ev.report()
    const counts = (g: typeof r.overall): unknown[] => g.classes.map((c) => [c.name, c.frames, c.framesFound, c.normalsMarked])
    expect(counts(r.overall)).toEqual([
      ['A', 2, 1, 0],
      ['B', 1, 1, 1],
      ['R', undefined, undefined, undefined]
    ])
    expect(r.overall.images - r.overall.anomalousImages).toBe(2)
    expect(counts(r.perView.V1!)).toEqual([
      ['A', 2, 1, 0],
      ['B', 1, 1, 0],
      ['R', undefined, undefined, undefined]
    ])
    expect(counts(r.perView.V2!)).toEqual([
      ['A', 0, 0, 0],
      ['B', 0, 0, 1],
      ['R', undefined, undefined, undefined]
    ])
    // Each normal frame's highest probability per class over its scored pixels, whatever outscores it: frames 3 and 4.
    expect([0, 1, 2].map((c) => [...ev.normalFramePeaks(c)])).toEqual([[0.1, 0.55], [0, 0.6], []])
  })
})
