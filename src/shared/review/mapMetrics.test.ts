import { describe, expect, it } from 'vitest'
import { SegmentationEvaluator, type MetricClass } from '../arcd/metrics'
import { createRng } from '../random'
import { MapMetricsAccumulator, type MapFrame } from './mapMetrics'

const CLASSES: MetricClass[] = [
  { name: 'fold', kind: 'defect' },
  { name: 'edge_crack', kind: 'defect' },
  { name: 'lathe', kind: 'region' }
]

function randomFrame(seed: number, view: string, w = 16, h = 12): MapFrame {
  const rng = createRng(seed)
  const n = w * h
  const truths = CLASSES.map(() => Uint8Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : 0)))
  const probs = CLASSES.map((_, c) => Uint8Array.from({ length: n }, (_, i) => Math.min(255, Math.round(truths[c]![i]! * 120 + rng.next() * 150))))
  return { view, width: w, height: h, probs, truths }
}

describe('MPA, MIoU and F1 from stored maps', () => {
  it('MPA and MIoU equal the training evaluator on the same maps and thresholds', () => {
    const thresholds = [0.55, 0.6, 0.5]
    const acc = new MapMetricsAccumulator(CLASSES, thresholds)
    // Thresholds on grey-level boundaries so byte >= b and p >= t agree exactly.
    const ev = new SegmentationEvaluator(CLASSES, { fold: 141 / 255, edge_crack: 153 / 255, lathe: 128 / 255 })
    const frames = [randomFrame(1, 'D01'), randomFrame(2, 'D01'), randomFrame(3, 'D02')]
    for (const f of frames) {
      acc.add(f)
      const n = f.width * f.height
      const probs = new Float32Array(n * 3)
      const targets = new Float32Array(n * 3)
      for (let i = 0; i < n; i++)
        for (let c = 0; c < 3; c++) {
          probs[i * 3 + c] = f.probs[c]![i]! / 255
          targets[i * 3 + c] = f.truths[c]![i]!
        }
      ev.addImage({ view: f.view, probs, targets, width: f.width, height: f.height, anomalous: true, score: 1 })
    }
    const mine = acc.report()
    const ref = ev.report()
    expect(mine.overall.mpa).toBeCloseTo(ref.overall.mpa!, 12)
    expect(mine.overall.miou).toBeCloseTo(ref.overall.miou!, 12)
    expect(mine.perView['D02']!.miou).toBeCloseTo(ref.perView['D02']!.miou!, 12)
    expect(mine.overall.frames).toBe(3)
    expect(mine.perView['D01']!.frames).toBe(2)
  })

  it('per-class F1 counts the class against its own labels', () => {
    const acc = new MapMetricsAccumulator(CLASSES.slice(0, 1), [0.5])
    acc.add({ view: 'D01', width: 4, height: 1, probs: [Uint8Array.from([255, 255, 0, 0])], truths: [Uint8Array.from([1, 0, 1, 0])] })
    const fold = acc.report().overall.classes[0]!
    expect(fold).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5, iou: 1 / 3 })
  })

  it('treats a missing map as nothing predicted and refuses maps of the wrong size', () => {
    const acc = new MapMetricsAccumulator(CLASSES.slice(0, 1), [0.5])
    acc.add({ view: 'D01', width: 2, height: 1, probs: [null], truths: [Uint8Array.from([1, 0])] })
    expect(acc.report().overall.classes[0]).toMatchObject({ tp: 0, fp: 0, fn: 1, recall: 0 })
    expect(() => acc.add({ view: 'D01', width: 2, height: 2, probs: [null], truths: [Uint8Array.from([1, 0])] })).toThrow(/4 pixels/)
  })
})
