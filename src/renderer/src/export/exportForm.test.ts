import { describe, expect, it } from 'vitest'
import { exportRequest, fileCount, groupSkipped, type ExportChoices } from './exportForm'

const base: ExportChoices = { format: 'coco', out: ' /data/out ', scope: 'all', split: '', classId: null, copyImages: null, overwrite: false }

describe('exportRequest', () => {
  it('sends the bare format and folder for all frames, and leaves copying to the format default', () => {
    expect(exportRequest(base, { views: ['D01'] })).toEqual({ request: { format: 'coco', out: '/data/out' } })
  })

  it('asks for a folder first', () => {
    expect(exportRequest({ ...base, out: '  ' }, {})).toEqual({ problem: 'Choose the folder to export to.' })
  })

  it('takes the grid filter and narrows it by split and class', () => {
    const grid = { views: ['D02' as const], search: 'coil', splits: ['train' as const, 'test' as const], classIds: [3, 4] }
    const r = exportRequest({ ...base, scope: 'filter', split: 'test', classId: 4, copyImages: true, overwrite: true }, grid)
    expect(r).toEqual({
      request: { format: 'coco', out: '/data/out', filter: { views: ['D02'], search: 'coil', splits: ['test'], classIds: [4] }, copyImages: true, overwrite: true }
    })
  })

  it('refuses a split or class the grid filter leaves out instead of widening it', () => {
    expect(exportRequest({ ...base, scope: 'filter', split: 'val' }, { splits: ['train'] })).toEqual({
      problem: 'The grid filter shows only train frames, so none of them is in val.'
    })
    expect(exportRequest({ ...base, scope: 'filter', classId: 9 }, { classIds: [3] })).toMatchObject({ problem: expect.stringMatching(/other classes/) })
    // With all frames the grid filter plays no part.
    expect(exportRequest({ ...base, split: 'val', classId: 9 }, { splits: ['train'], classIds: [3] })).toEqual({
      request: { format: 'coco', out: '/data/out', filter: { splits: ['val'], classIds: [9] } }
    })
  })

  it('names the selected frames, and wants at least one', () => {
    expect(exportRequest({ ...base, scope: 'selection', format: 'masks', copyImages: false }, { views: ['D01'] }, [7, 3])).toEqual({
      request: { format: 'masks', out: '/data/out', ids: [7, 3], copyImages: false }
    })
    expect(exportRequest({ ...base, scope: 'selection' }, {}, [])).toEqual({ problem: 'No frames are selected in the grid.' })
    const huge = Array.from({ length: 50_001 }, (_, k) => k + 1)
    expect(exportRequest({ ...base, scope: 'selection' }, {}, huge)).toEqual({
      problem: "50001 frames are selected; a selection exports up to 50000. Export the grid's filter instead."
    })
    expect(exportRequest({ ...base, scope: 'selection' }, {}, huge.slice(1))).toMatchObject({ request: { ids: huge.slice(1) } })
  })

  it('drops empty filter parts (an empty list would mean any to main)', () => {
    expect(exportRequest({ ...base, scope: 'filter' }, { views: [], search: '' })).toEqual({ request: { format: 'coco', out: '/data/out' } })
  })
})

describe('groupSkipped', () => {
  it('groups reasons that differ only in paths and numbers, largest group first', () => {
    const groups = groupSkipped([
      { path: 'D01/a.png', reason: 'label 12 (fold) covers no pixel centre; left out' },
      { path: 'D01/b.png', reason: 'image file missing at /data/line3/D01/b.png' },
      { path: 'D01/c.png', reason: 'label 40 (fold) covers no pixel centre; left out' },
      { path: 'D02/d.png', reason: 'label 7 (fold) covers no pixel centre; left out' },
      { path: 'D02/e.png', reason: 'image file missing at C:\\data\\e.png' }
    ])
    expect(groups.map((g) => [g.reason, g.items.map((i) => i.path)])).toEqual([
      ['label # (fold) covers no pixel centre; left out', ['D01/a.png', 'D01/c.png', 'D02/d.png']],
      ['image file missing at …', ['D01/b.png', 'D02/e.png']]
    ])
  })

  it('counts files over folders', () => {
    expect(fileCount({ '.': 2, 'images/D01': 5 })).toBe(7)
    expect(groupSkipped([])).toEqual([])
  })
})
