import { describe, expect, it } from 'vitest'
import { createRng } from '../random'
import { buildHistogram } from './histogram'
import { buildJoint, predictedMasks, ruleCounts, type MapClass } from './predicted'

const CLASSES: MapClass[] = [
  { id: 11, name: 'fold', kind: 'defect' },
  { id: 12, name: 'edge_crack', kind: 'defect' },
  { id: 13, name: 'lathe', kind: 'region' }
]

/** What a stored byte stands for, written from the code's definition (./mapCode.ts): logit -16 + 32 b / 255, ends 0 and 1. */
const probOf = (b: number): number => (b === 0 ? 0 : b === 255 ? 1 : 1 / (1 + Math.exp(16 - (32 * b) / 255)))

/**
 * Reference written from the rule's statement, on the probabilities the bytes
 * stand for: a defect pixel goes to the defect class with the highest
 * probability among those at or above their threshold (ties to the lower
 * index); a region pixel is its own probability >= t.
 */
function reference(probs: Uint8Array[], thr: number[], c: number, i: number): boolean {
  if (CLASSES[c]!.kind === 'region') return probOf(probs[c]![i]!) >= thr[c]!
  let best = -1
  let who = -1
  CLASSES.forEach((k, j) => {
    if (k.kind !== 'defect') return
    const v = probOf(probs[j]![i]!)
    if (v >= thr[j]! && v > best) {
      best = v
      who = j
    }
  })
  return who === c
}

describe('the review under the one threshold rule', () => {
  it('masks give a defect pixel to one class only, and ignore a class without a map', () => {
    const fold = Uint8Array.from([200, 200, 100, 0])
    const crack = Uint8Array.from([250, 150, 200, 0])
    const lathe = Uint8Array.from([255, 0, 255, 0])
    const [f, c, l] = predictedMasks([fold, crack, lathe], CLASSES, { fold: 0.5, edge_crack: 0.5, lathe: 0.5 })
    expect([...f!]).toEqual([0, 1, 0, 0])
    expect([...c!]).toEqual([1, 0, 1, 0])
    expect([...l!]).toEqual([1, 0, 1, 0])
    // edge_crack not trained: fold alone.
    const [f2, c2] = predictedMasks([fold, null, lathe], CLASSES, { fold: 0.5, edge_crack: 0.5, lathe: 0.5 })
    expect([...f2!]).toEqual([1, 1, 0, 0])
    expect(c2).toBeNull()
  })

  it('histogram counts corrected by the joint table equal per-pixel counts at any thresholds', () => {
    const rng = createRng(7)
    const n = 600
    const probs = CLASSES.map(() => Uint8Array.from({ length: n }, () => (rng.next() < 0.3 ? 0 : Math.floor(rng.next() * 256))))
    const truths = CLASSES.map(() => Uint8Array.from({ length: n }, () => (rng.next() < 0.25 ? 1 : 0)))
    const hists = probs.map((p, c) => buildHistogram(p, truths[c]!))
    const joint = buildJoint([11, 12], [probs[0]!, probs[1]!], [truths[0]!, truths[1]!])
    expect(joint.counts.reduce((a, b) => a + b, 0)).toBeLessThan(n)
    for (const thr of [
      [0.5, 0.5, 0.5],
      [0.2, 0.7, 0.1],
      [0.9, 0.05, 0.5],
      [probOf(100), probOf(100), 1],
      [0.002, 0.0021, 0.001]
    ]) {
      const thresholds = Object.fromEntries(CLASSES.map((c, k) => [c.name, thr[k]!]))
      CLASSES.forEach((cls, c) => {
        const want = { tp: 0, fp: 0, fn: 0, tn: 0 }
        for (let i = 0; i < n; i++) {
          const p = reference(probs, thr, c, i)
          const t = truths[c]![i] === 1
          if (p && t) want.tp++
          else if (p) want.fp++
          else if (t) want.fn++
          else want.tn++
        }
        expect(ruleCounts(hists[c]!, cls, joint, CLASSES, thresholds), `${cls.name} at ${thr.join(', ')}`).toEqual(want)
      })
    }
  })
})
