import { describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from './config'
import { SegmentationEvaluator, type EvalReport } from './metrics'
import type { ExperimentResult } from './protocol'
import { meanSpread, pct, renderEvalMarkdown, renderExperimentMarkdown, renderSeedSummary } from './report'

const classes = [
  { name: 'fold', kind: 'defect' as const },
  { name: 'lathe', kind: 'region' as const }
]

function report(perfect: boolean): EvalReport {
  const ev = new SegmentationEvaluator(classes, { fold: 0.5, lathe: 0.5 })
  // 1x2 image: pixel 0 is fold (and lathe), pixel 1 background.
  const probs = perfect ? [0.9, 0.9, 0.1, 0.1] : [0.4, 0.9, 0.1, 0.1]
  ev.addImage({ view: 'D01', probs, targets: [1, 1, 0, 0], width: 2, height: 1, anomalous: true, score: 0.9 })
  return ev.report()
}

describe('report rendering', () => {
  it('formats percentages and undefined values', () => {
    expect(pct(0.12345)).toBe('12.35')
    expect(pct(null)).toBe('n/a')
    expect(pct(Number.NaN)).toBe('n/a')
  })

  it('renders an evaluation table with per-view rows and region classes', () => {
    const md = renderEvalMarkdown(report(true), 'Test split')
    expect(md).toContain('## Test split')
    expect(md).toContain('| Group | Images | MPA | MIoU | AUROC fold | AP fold | IoU fold | AUROC lathe | AP lathe | IoU lathe | Image AUROC | RA |')
    expect(md).toContain('| overall | 1 | 100.00 | 100.00 | 100.00 | 100.00 | 100.00 |')
    expect(md).toContain('| D01 | 1 |')
    // one image: image AUROC undefined; no reconstruction: RA n/a
    expect(md).toMatch(/\| n\/a \| n\/a \|\n/)
    expect(md).toContain('| lathe | 100.00 | 100.00 |')
    // frames: one fold frame, found; no normal frame to mark
    expect(md).toContain('| Class | Labelled | Found | Normal frames marked |')
    expect(md).toContain('| fold | 1 | 1 | n/a |')
    expect(md).not.toContain('| lathe | 1 |')
  })

  it('counts the normal frames a defect class marks', () => {
    const ev = new SegmentationEvaluator(classes, { fold: 0.5, lathe: 0.5 })
    ev.addImage({ view: 'D01', probs: [0.4, 0.9, 0.1, 0.1], targets: [1, 1, 0, 0], width: 2, height: 1, anomalous: true, score: 0.4 })
    ev.addImage({ view: 'D01', probs: [0.1, 0, 0.7, 0], targets: [0, 0, 0, 0], width: 2, height: 1, anomalous: false, score: 0.7 })
    ev.addImage({ view: 'D02', probs: [0.1, 0, 0.2, 0], targets: [0, 0, 0, 0], width: 2, height: 1, anomalous: false, score: 0.2 })
    const md = renderEvalMarkdown(ev.report())
    expect(md).toContain('of the 2 normal frames')
    expect(md).toContain('| fold | 1 | 0 | 1 (50.00%) |')
  })

  const experiment = (seed: number, unetPerfect: boolean, splitSeed = 1): ExperimentResult => ({
    kind: 'experiment',
    outDir: '/x',
    classes,
    model: CPU_PRESET,
    train: { ...DEFAULT_TRAIN, budgetMinutes: 4 },
    seed,
    splitSeed,
    split: { train: 10, val: 2, test: 3, normalTrain: 20, normalVal: 4, normalTest: 5 },
    rows: [
      { arch: 'unet', fraction: 1, trainDefectImages: 10, steps: 812, warnings: ['fold: raised to 0.90'], report: report(unetPerfect), modelDir: '/x/u' },
      { arch: 'arcd', fraction: 1, trainDefectImages: 10, steps: null, warnings: [], report: report(true), modelDir: '/x/a' }
    ],
    backend: 'cpu',
    seconds: 90
  })

  it('renders the experiment table with the ARCD - U-Net gap per fraction', () => {
    const md = renderExperimentMarkdown(experiment(1, false))
    const lines = md.split('\n')
    const unet = lines.findIndex((l) => l.startsWith('| U-Net | 100% | 10 | 812 |'))
    const arcd = lines.findIndex((l) => l.startsWith('| ARCD (U-Net) | 100% | 10 | reused |'))
    expect(unet).toBeGreaterThan(0)
    expect(arcd).toBeGreaterThan(unet)
    // unet: fold pixel missed -> bg acc 1, fold acc 0 -> MPA 50; IoU bg 1/2, fold 0 -> MIoU 25;
    // the fold pixel (0.4) still outranks the background one (0.1): AP 100, the only defect class's.
    expect(lines[unet]).toContain('| 50.00 | 25.00 | 100.00 |')
    // MPA, MIoU, mean AP, image AUROC (one image: undefined)
    expect(md).toContain('| 100% | 50.00 | 75.00 | 0.00 | n/a |')
    expect(md).toContain('4 min per training')
    expect(md).toContain('seed 1, split seed 1')
    expect(md).toContain('1.5 min.')
    expect(md).toContain('Warnings from training:\n\n- U-Net 100%: fold: raised to 0.90\n')
  })

  it('gives mean and sample standard deviation in percent, leaving missing values out', () => {
    expect(meanSpread([0.5, 1])).toBe('75.00 ± 35.36')
    expect(meanSpread([0.2, null, 0.2, 0.2])).toBe('20.00 ± 0.00')
    expect(meanSpread([0.123])).toBe('12.30')
    expect(meanSpread([null, undefined, Number.NaN])).toBe('n/a')
  })

  it('summarises seeds: each figure as mean ± sd, and the gap paired by seed', () => {
    const md = renderSeedSummary([experiment(1, false), experiment(2, true)])
    expect(md).toContain('training seeds 1, 2 on one split (split seed 1)')
    // U-Net MPA 50 and 100, MIoU 25 and 100: sd by hand, sqrt(((a-m)^2 + (b-m)^2) / 1).
    expect(md).toContain('| U-Net | 100% | 2 | 75.00 ± 35.36 | 62.50 ± 53.03 | 100.00 ± 0.00 | 100.00 ± 0.00 | n/a |')
    expect(md).toContain('| ARCD (U-Net) | 100% | 2 | 100.00 ± 0.00 | 100.00 ± 0.00 |')
    // Gaps per seed: MIoU 75 and 0; mean AP equal in both, so ARCD is ahead in neither.
    expect(md).toContain('| 100% | 37.50 ± 53.03 | 0.00 ± 0.00 | n/a | 0 of 2 |')
    expect(() => renderSeedSummary([experiment(1, false), experiment(2, true, 3)])).toThrow(/different splits/)
  })
})
