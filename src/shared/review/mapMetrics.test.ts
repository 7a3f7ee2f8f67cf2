import { describe, expect, it } from 'vitest'
import { SegmentationEvaluator } from '../arcd/metrics'
import { createRng } from '../random'
import { buildHistogram } from './histogram'
import { MapMetricsAccumulator, type StatsFrame } from './mapMetrics'
import { buildJoint, type MapClass } from './predicted'

/** What a stored byte stands for, written from the code's definition (./mapCode.ts): logit -16 + 32 b / 255, ends 0 and 1. */
const probOf = (b: number): number => (b === 0 ? 0 : b === 255 ? 1 : 1 / (1 + Math.exp(16 - (32 * b) / 255)))

const CLASSES: MapClass[] = [
  { id: 1, name: 'fold', kind: 'defect' },
  { id: 2, name: 'edge_crack', kind: 'defect' },
  { id: 3, name: 'lathe', kind: 'region' }
]

interface Maps {
  view: string
  width: number
  height: number
  probs: (Uint8Array | null)[]
  truths: Uint8Array[]
}

/** A frame's statistics as the review stores them. */
function stats(f: Maps, classes = CLASSES): StatsFrame {
  const defects = classes.flatMap((c, i) => (c.kind === 'defect' && f.probs[i] ? [i] : []))
  return {
    view: f.view,
    hists: classes.map((_, i) => (f.probs[i] ? buildHistogram(f.probs[i], f.truths[i]!) : null)),
    joint: buildJoint(
      defects.map((i) => classes[i]!.id),
      defects.map((i) => f.probs[i]!),
      defects.map((i) => f.truths[i]!),
      f.width * f.height
    )
  }
}

function randomFrame(seed: number, view: string, w = 16, h = 12): Maps {
  const rng = createRng(seed)
  const n = w * h
  const truths = CLASSES.map(() => Uint8Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : 0)))
  // Defect labels do not overlap here, so a class's IoU against its own labels is the evaluator's (from the confusion).
  for (let i = 0; i < n; i++) if (truths[0]![i]) truths[1]![i] = 0
  // A third of the pixels 0 in each map and many below the table's floor, so its three kinds of pixel (none, one, several at or above the floor) all occur.
  const probs = CLASSES.map((_, c) => Uint8Array.from({ length: n }, (_, i) => (rng.next() < 0.33 ? 0 : Math.min(255, Math.round(truths[c]![i]! * 120 + rng.next() * 150)))))
  return { view, width: w, height: h, probs, truths }
}

describe('MPA, MIoU and F1 from the frames statistics', () => {
  it('MPA and MIoU equal the training evaluator on the same maps and thresholds', () => {
    for (const thr of [
      { fold: 0.55, edge_crack: 0.6, lathe: 0.5 },
      { fold: 0.1, edge_crack: 0.8, lathe: 0.3 },
      { fold: 0.9, edge_crack: 0.02, lathe: 0.7 },
      { fold: 0.6, edge_crack: 0, lathe: 0 }
    ]) {
      const acc = new MapMetricsAccumulator(CLASSES, thr)
      // The evaluator sees the probabilities the bytes stand for.
      const ev = new SegmentationEvaluator(CLASSES, thr)
      const frames = [randomFrame(1, 'D01'), randomFrame(2, 'D01'), randomFrame(3, 'D02')]
      for (const f of frames) {
        acc.add(stats(f))
        const n = f.width * f.height
        const probs = new Float32Array(n * 3)
        const targets = new Float32Array(n * 3)
        for (let i = 0; i < n; i++)
          for (let c = 0; c < 3; c++) {
            probs[i * 3 + c] = probOf(f.probs[c]![i]!)
            targets[i * 3 + c] = f.truths[c]![i]!
          }
        ev.addImage({ view: f.view, probs, targets, width: f.width, height: f.height, anomalous: true, score: 1 })
      }
      const mine = acc.report()
      const ref = ev.report()
      expect(mine.overall.mpa).toBeCloseTo(ref.overall.mpa!, 12)
      expect(mine.overall.miou).toBeCloseTo(ref.overall.miou!, 12)
      expect(mine.perView['D02']!.miou).toBeCloseTo(ref.perView['D02']!.miou!, 12)
      // Per-class counts are exact for thresholds above 0 (./predicted.ts); MPA and MIoU at 0 too.
      const exactCounts = Object.values(thr).every((t) => t > 0)
      for (const name of exactCounts ? ['fold', 'edge_crack'] : []) {
        expect(mine.overall.classes.find((c) => c.name === name)!.iou, name).toBeCloseTo(ref.overall.classes.find((c) => c.name === name)!.iou!, 12)
      }
      expect(mine.overall.frames).toBe(3)
      expect(mine.perView['D01']!.frames).toBe(2)
    }
  })

  it('per-class F1 counts the class against its own labels; a pixel two defect classes fire on goes to the higher', () => {
    const acc = new MapMetricsAccumulator(CLASSES.slice(0, 2), { fold: 0.5, edge_crack: 0.5 })
    // Pixel 1: fold 255 but edge_crack 255 too (tie: fold, the lower index); pixel 0: edge_crack 255 beats fold 200.
    acc.add(
      stats(
        { view: 'D01', width: 4, height: 1, probs: [Uint8Array.from([200, 255, 0, 0]), Uint8Array.from([255, 255, 0, 0])], truths: [Uint8Array.from([1, 0, 1, 0]), new Uint8Array(4)] },
        CLASSES.slice(0, 2)
      )
    )
    const [fold, crack] = acc.report().overall.classes
    expect(fold).toMatchObject({ tp: 0, fp: 1, fn: 2, precision: 0, recall: 0, f1: 0, iou: 0 })
    expect(crack).toMatchObject({ tp: 0, fp: 1, fn: 0 })
  })

  it('treats a missing map as nothing predicted', () => {
    const acc = new MapMetricsAccumulator(CLASSES.slice(0, 1), { fold: 0.5 })
    acc.add({ view: 'D01', hists: [null], joint: buildJoint([], [], [], 2) })
    expect(acc.report().overall.classes[0]).toMatchObject({ tp: 0, fp: 0, fn: 0, recall: null })
    expect(acc.report().overall.miou).toBe(1)
  })
})
