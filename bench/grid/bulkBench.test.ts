import { describe, expect, it } from 'vitest'
import { runBulkBench } from './bulkBench'

describe('bulk bench', () => {
  it('acts on every frame of its fixture and checks each undo (the counts follow from how the fixture is made)', () => {
    const frames = 400
    const rows = runBulkBench(frames)
    const by = new Map(rows.map((r) => [r.action, r]))
    const defect = frames / 10
    const normal = (frames / 10) * 3
    const split = (i: number): string => {
      const r = (i * 7919) % 100
      return r < 70 ? 'train' : r < 85 ? 'val' : 'test'
    }
    const notTest = Array.from({ length: frames }, (_, i) => split(i)).filter((s) => s !== 'test').length
    expect(by.get('mark normal')).toMatchObject({ frames, changed: frames - defect - normal, skipped: defect })
    expect(by.get('mark unlabelled')).toMatchObject({ changed: normal, skipped: defect })
    expect(by.get('set view D03')).toMatchObject({ changed: (frames / 4) * 3 })
    expect(by.get('set split test')).toMatchObject({ changed: notTest })
    expect(by.get('remove (and restore)')).toMatchObject({ changed: frames })
  })
})
