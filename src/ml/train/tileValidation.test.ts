import { describe, expect, it } from 'vitest'
import { SegmentationEvaluator } from '../../shared/arcd/metrics'
import { cappedThresholds, frameCappedThresholds, MAX_BACKGROUND_SHARE, normalFrameWarnings } from './tileValidation'
import { MIN_NORMAL_FRAMES_TO_CAP } from './valSelection'

/**
 * Two classes on 40x40 maps: "learnt" scores its defect pixels high and its
 * background low; "unlearnt" scores both from the same spread, so best F1
 * marks nearly everything.
 */
function evaluator(): { ev: SegmentationEvaluator; probs: Float32Array[]; targets: Uint8Array[] } {
  const classes = [
    { name: 'learnt', kind: 'defect' as const },
    { name: 'unlearnt', kind: 'defect' as const }
  ]
  const ev = new SegmentationEvaluator(classes, { learnt: 0.5, unlearnt: 0.5 })
  let seed = 3
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
  const probs: Float32Array[] = []
  const targets: Uint8Array[] = []
  for (let f = 0; f < 6; f++) {
    const W = 40
    const p = new Float32Array(W * W * 2)
    const t = new Uint8Array(W * W * 2)
    for (let i = 0; i < W * W; i++) {
      const x = i % W
      const y = Math.floor(i / W)
      const learntHere = x >= 10 && x < 14 && y >= 10 && y < 14
      const unlearntHere = y >= 20
      t[i * 2] = learntHere ? 1 : 0
      t[i * 2 + 1] = unlearntHere ? 1 : 0
      p[i * 2] = learntHere ? 0.8 + 0.1 * rand() : 0.2 * rand()
      p[i * 2 + 1] = 0.25 + 0.1 * rand()
    }
    ev.addImage({ view: 'D01', probs: p, targets: t, width: W, height: W, anomalous: true, score: 1 })
    probs.push(p)
    targets.push(t)
  }
  return { ev, probs, targets }
}

/** Background pixels of class c at or above t, counted apart from the evaluator. */
function flaggedShare(probs: Float32Array[], targets: Uint8Array[], c: number, t: number): number {
  let flagged = 0
  let background = 0
  probs.forEach((p, f) => {
    for (let i = 0; i < p.length / 2; i++) {
      if (targets[f]![i * 2 + c]) continue
      background++
      if (p[i * 2 + c]! >= t) flagged++
    }
  })
  return flagged / background
}

describe('thresholds capped to the background', () => {
  it('raises a threshold that would mark most of the background, keeps one that does not, and says which', () => {
    const { ev, probs, targets } = evaluator()
    const best = ev.chooseThresholds()
    // The premise: best F1 for the unlearnt class marks far more than the cap allows.
    expect(flaggedShare(probs, targets, 1, best.unlearnt!)).toBeGreaterThan(0.5)
    expect(flaggedShare(probs, targets, 0, best.learnt!)).toBeLessThanOrEqual(MAX_BACKGROUND_SHARE)

    const warnings: string[] = []
    const capped = cappedThresholds(ev, 0.5, warnings)
    expect(capped.learnt).toBe(best.learnt)
    expect(capped.unlearnt).toBeGreaterThan(best.unlearnt!)
    expect(flaggedShare(probs, targets, 1, capped.unlearnt!)).toBeLessThanOrEqual(MAX_BACKGROUND_SHARE)
    // Not higher than needed: a hair lower would flag more than the share.
    expect(flaggedShare(probs, targets, 1, capped.unlearnt! - 1e-4)).toBeGreaterThan(MAX_BACKGROUND_SHARE * 0.9)
    expect(warnings).toEqual([expect.stringMatching(/^unlearnt: its best-F1 threshold 0\.\d\d would mark more than 1% of the background as unlearnt .*raised to 0\.3\d$/)])
  })

  it('leaves a missing threshold (NaN: no positives) for the caller to fill', () => {
    const ev = new SegmentationEvaluator(
      [
        { name: 'learnt', kind: 'defect' },
        { name: 'unlearnt', kind: 'defect' }
      ],
      { learnt: 0.5, unlearnt: 0.5 }
    )
    ev.addImage({ view: 'D01', probs: Float32Array.from({ length: 32 }, (_, i) => (i % 7) / 7), targets: new Uint8Array(32), width: 4, height: 4, anomalous: false, score: 0 })
    const warnings: string[] = []
    expect(cappedThresholds(ev, Number.NaN, warnings)).toEqual({ learnt: Number.NaN, unlearnt: Number.NaN })
    expect(warnings).toEqual([])
  })
})

describe('warnings for classes that mark normal frames', () => {
  const classes = [
    { name: 'quiet', kind: 'defect' as const },
    { name: 'noisy', kind: 'defect' as const },
    { name: 'bed', kind: 'region' as const }
  ]
  /** `normals` normal 2x1 frames: "noisy" over its threshold at pixel 0 of the first `noisyOn`, "quiet" at pixel 1 of one, the region everywhere. */
  function report(normals: number, noisyOn: number) {
    const ev = new SegmentationEvaluator(classes, { quiet: 0.5, noisy: 0.6, bed: 0.5 })
    for (let f = 0; f < normals; f++) {
      const noisy = f < noisyOn ? 0.7 : 0.1
      const quiet = f === 0 ? 0.9 : 0.1
      ev.addImage({ view: 'D01', probs: [0.1, noisy, 0.9, quiet, 0, 0.9], targets: [0, 0, 1, 0, 0, 1], width: 2, height: 1, anomalous: false, score: 0 })
    }
    return ev.report()
  }

  it('names the class that marks more than a quarter of the normal frames, with its threshold and counts', () => {
    // 3 of 8 is over a quarter; quiet's 1 of 8 is not; the region is never warned about.
    expect(normalFrameWarnings(report(8, 3))).toEqual([
      'noisy: at its threshold 0.60 its mask shows on 3 of the 8 validation normal frames, so expect false alarms; raise its threshold on the Review page, or label more noisy and normal frames and retrain'
    ])
    expect(normalFrameWarnings(report(8, 2))).toEqual([])
  })

  it('says nothing when there are too few normal frames to tell', () => {
    expect(normalFrameWarnings(report(3, 3))).toEqual([])
  })
})

describe('thresholds capped by the normal frames they mark', () => {
  const classes = [
    { name: 'spotty', kind: 'defect' as const },
    { name: 'clean', kind: 'defect' as const },
    { name: 'bed', kind: 'region' as const }
  ]
  /**
   * 20 normal 3x1 frames: spotty peaks at 0.30 + 0.03 f on frame f (pixel f % 3),
   * clean never passes 0.05, the region is high everywhere; and one defect
   * frame with spotty labelled at pixel 0.
   */
  function frames(): { probs: number[]; anomalous: boolean; targets: number[] }[] {
    const out = []
    for (let f = 0; f < 20; f++) {
      const probs = new Array<number>(9).fill(0)
      probs[(f % 3) * 3] = 0.3 + 0.03 * f
      probs[1] = 0.05
      for (let x = 0; x < 3; x++) probs[x * 3 + 2] = 0.95
      out.push({ probs, anomalous: false, targets: new Array<number>(9).fill(0) })
    }
    out.push({ probs: [0.97, 0, 0, 0.2, 0, 0, 0.1, 0, 0], anomalous: true, targets: [1, 0, 0, 0, 0, 0, 0, 0, 0] })
    return out
  }
  function evaluator(thresholds: Record<string, number>): SegmentationEvaluator {
    const ev = new SegmentationEvaluator(classes, thresholds)
    for (const f of frames()) ev.addImage({ view: 'D01', probs: f.probs, targets: f.targets, width: 3, height: 1, anomalous: f.anomalous, score: 0 })
    return ev
  }
  /** Normal frames where a class reaches t on some pixel, counted apart from the evaluator. */
  const normalsReaching = (c: number, t: number): number => frames().filter((f) => !f.anomalous && [0, 1, 2].some((x) => f.probs[x * 3 + c]! >= t)).length

  it('raises a threshold that marks more than the share of normal frames to the lowest level that marks no more, and says so', () => {
    const given = { spotty: 0.4, clean: 0.5, bed: 0.5 }
    expect(normalsReaching(0, 0.4)).toBe(16)
    const warnings: string[] = []
    const capped = frameCappedThresholds(evaluator(given), given, 0.2, warnings)
    // 20% of 20 frames: 4. Frame 15's peak (0.75) must stay under the threshold; frame 16's (0.78) may reach it.
    expect(normalsReaching(0, capped.spotty!)).toBe(4)
    expect(capped.spotty).toBeGreaterThan(0.3 + 0.03 * 15)
    expect(capped.spotty).toBeLessThanOrEqual(0.3 + 0.03 * 16)
    expect(capped.clean).toBe(0.5)
    expect(capped.bed).toBe(0.5)
    expect(warnings).toEqual([
      'spotty: its best-F1 threshold 0.40 would show its mask on 16 of the 20 validation normal frames; raised to 0.75, where it shows on at most 4 (the "Normal frames a class may mark" setting, 20%)'
    ])
    // The frames the masks show (the evaluator's one threshold rule) agree, and the defect frame is still found.
    const spotty = evaluator(capped).report().overall.classes[0]!
    expect([spotty.normalsMarked, spotty.framesFound]).toEqual([4, 1])
  })

  it('leaves thresholds alone when the share is 1, when they already mark few enough, or with too few normal frames', () => {
    const given = { spotty: 0.4, clean: 0.5, bed: 0.5 }
    const warnings: string[] = []
    expect(frameCappedThresholds(evaluator(given), given, 1, warnings)).toEqual(given)
    expect(frameCappedThresholds(evaluator({ ...given, spotty: 0.8 }), { ...given, spotty: 0.8 }, 0.2, warnings)).toEqual({ ...given, spotty: 0.8 })
    const few = new SegmentationEvaluator(classes, given)
    for (const f of frames().slice(0, MIN_NORMAL_FRAMES_TO_CAP - 1)) few.addImage({ view: 'D01', probs: f.probs, targets: f.targets, width: 3, height: 1, anomalous: false, score: 0 })
    expect(frameCappedThresholds(few, given, 0.2, warnings)).toEqual(given)
    expect(warnings).toEqual([])
    expect(() => frameCappedThresholds(evaluator(given), given, 1.5, warnings)).toThrow(/maxNormalFramesMarked must be between 0 and 1/)
  })
})
