import { describe, expect, it } from 'vitest'
import type { ClassDef } from '../../../shared/contract'
import type { ImportPreviewResult } from '../../../shared/contract/namespaces/import'
import { mappingOptions, mappingProblems, rowsFromPreview, type MappingRow } from './mapping'

const CLASSES: ClassDef[] = [
  { id: 1, name: 'fold', color: '#ff0000', kind: 'defect', position: 1 },
  { id: 3, name: 'lathe', color: '#0000ff', kind: 'region', position: 2 }
]

function preview(): ImportPreviewResult {
  return {
    folder: '/data/img',
    images: 10,
    labelFiles: 10,
    classes: [],
    unknownClasses: [],
    issues: [],
    seconds: 0.1,
    labelNames: [],
    maskFolders: [
      {
        folder: '/data/masks',
        masks: 10,
        read: 10,
        sampled: false,
        namesFrom: 'classes.txt',
        unreadable: 0,
        values: [
          { value: 1, pixels: 50, files: 3, name: 'FOLD' },
          { value: 2, pixels: 40, files: 2, name: 'bed', kind: 'region' },
          { value: 5, pixels: 9, files: 1, name: null }
        ]
      }
    ]
  }
}

describe('import mapping', () => {
  it('pre-fills named values (an existing class by name, else a new class of the manifest kind) and leaves unnamed ones open', () => {
    const rows = rowsFromPreview(preview(), CLASSES)
    expect(rows.map((r) => r.choice)).toEqual([{ kind: 'existing', classId: 1 }, { kind: 'new', name: 'bed', classKind: 'region' }, null])
    expect(mappingProblems(rows, CLASSES)).toEqual(['Choose a class or Skip for mask value 5'])
  })

  it('builds valueMap, newClasses once per name, and keeps earlier choices across a new preview', () => {
    let rows: MappingRow[] = rowsFromPreview(preview(), CLASSES)
    rows = rows.map((r) => (r.value === 5 ? { ...r, choice: { kind: 'skip' } } : r))
    expect(mappingProblems(rows, CLASSES)).toEqual([])
    expect(mappingOptions(rows, CLASSES)).toEqual({
      valueMap: [
        { masks: '/data/masks', value: 1, to: 'fold' },
        { masks: '/data/masks', value: 2, to: 'bed' },
        { masks: '/data/masks', value: 5, skip: true }
      ],
      newClasses: [{ name: 'bed', kind: 'region' }]
    })
    // The same preview again (a refresh) keeps the skip; after an import made "bed", its row points at that class.
    const withBed = [...CLASSES, { id: 9, name: 'bed', color: '#00ff00', kind: 'region' as const, position: 3 }]
    const again = rowsFromPreview(preview(), withBed, rows)
    expect(again.map((r) => r.choice)).toEqual([{ kind: 'existing', classId: 1 }, { kind: 'existing', classId: 9 }, { kind: 'skip' }])
  })

  it('refuses bad or clashing new class names with the reason', () => {
    const rows = rowsFromPreview(preview(), CLASSES).map((r): MappingRow => {
      if (r.value === 1) return { ...r, choice: { kind: 'new', name: 'a/b', classKind: 'defect' } }
      if (r.value === 2) return { ...r, choice: { kind: 'new', name: 'Lathe', classKind: 'region' } }
      return { ...r, choice: { kind: 'new', name: 'x', classKind: 'defect' } }
    })
    const problems = mappingProblems(rows, CLASSES)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/mask value 1: .*"\/"/)
    expect(problems[1]).toMatch(/"Lathe" exists already/)
    const twoKinds = rows.map((r): MappingRow => ({ ...r, choice: { kind: 'new', name: 'pit', classKind: r.value === 1 ? 'defect' : 'region' } }))
    expect(mappingProblems(twoKinds, CLASSES)).toEqual(['New class "pit" is given both kinds (defect and region); give it one'])
  })

  it('maps label names through classMap, a skip as an empty target', () => {
    const p = preview()
    p.maskFolders = []
    p.labelNames = [
      { name: 'crack', shapes: 4, files: 2 },
      { name: 'dust', shapes: 1, files: 1 }
    ]
    const rows = rowsFromPreview(p, CLASSES).map((r): MappingRow => (r.name === 'dust' ? { ...r, choice: { kind: 'skip' } } : r))
    expect(mappingOptions(rows, CLASSES)).toEqual({
      classMap: [
        { from: 'crack', to: 'crack' },
        { from: 'dust', to: '' }
      ],
      newClasses: [{ name: 'crack', kind: 'defect' }]
    })
  })
})
