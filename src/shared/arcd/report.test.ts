import { describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from './config'
import { SegmentationEvaluator, type EvalReport } from './metrics'
import type { ExperimentResult } from './protocol'
import { pct, renderEvalMarkdown, renderExperimentMarkdown } from './report'

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
  })

  it('renders the experiment table with the ARCD - U-Net gap per fraction', () => {
    const result: ExperimentResult = {
      kind: 'experiment',
      outDir: '/x',
      classes,
      model: CPU_PRESET,
      train: DEFAULT_TRAIN,
      seed: 1,
      split: { train: 10, val: 2, test: 3, normalTrain: 20, normalVal: 4, normalTest: 5 },
      rows: [
        { arch: 'unet', fraction: 1, trainDefectImages: 10, report: report(false), modelDir: '/x/u' },
        { arch: 'arcd', fraction: 1, trainDefectImages: 10, report: report(true), modelDir: '/x/a' }
      ],
      backend: 'cpu',
      seconds: 90
    }
    const md = renderExperimentMarkdown(result)
    const lines = md.split('\n')
    const unet = lines.findIndex((l) => l.startsWith('| U-Net | 100% | 10 |'))
    const arcd = lines.findIndex((l) => l.startsWith('| ARCD (U-Net) | 100% | 10 |'))
    expect(unet).toBeGreaterThan(0)
    expect(arcd).toBeGreaterThan(unet)
    // unet: fold pixel missed -> bg acc 1, fold acc 0 -> MPA 50; IoU bg 1/2, fold 0 -> MIoU 25
    expect(lines[unet]).toContain('| 50.00 | 25.00 |')
    expect(md).toContain('| 100% | 50.00 | 75.00 |')
    expect(md).toContain('1.5 min')
  })
})
