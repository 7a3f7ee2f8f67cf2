import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { argSchemas } from '../../../shared/contract'
import { importSetup } from '../../test/fixtures'
import { listClasses } from '../classes'
import { queryImages } from '../images'
import { listLabels } from '../labels'
import { importFolder } from './runImport'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

describe('class names from label files', () => {
  it('a name with a line break is refused with its reason; the other labels and classes import', async () => {
    const { ws, src } = importSetup(cleanups)
    writeFileSync(join(src, 'a.png'), await sharp({ create: { width: 50, height: 40, channels: 3, background: '#808080' } }).png().toBuffer())
    const square = (x: number) => [[x, 5], [x + 10, 5], [x + 10, 15], [x, 15]]
    const shapes = [
      { label: 'crack\nmajor', shape_type: 'polygon', points: square(2), group_id: null, flags: {} },
      { label: '裂纹', shape_type: 'polygon', points: square(20), group_id: null, flags: {} },
      { label: 'x'.repeat(65), shape_type: 'polygon', points: square(35), group_id: null, flags: {} }
    ]
    writeFileSync(join(src, 'a.json'), JSON.stringify({ shapes, imagePath: 'a.png', imageWidth: 50, imageHeight: 40 }))
    const s = await importFolder(ws, { folder: src, labelme: true, createClasses: true })
    expect(s.imported).toBe(1)
    expect(s.labels.imported).toBe(1)
    expect(s.labels.failed.map((f) => f.reason)).toEqual([
      expect.stringMatching(/"crack\\nmajor" contains a control character.*--map/),
      expect.stringMatching(/longer than 64 characters/)
    ])
    expect(listClasses(ws).map((c) => c.name)).toEqual(['fold', 'edge_crack', 'lathe', '裂纹'])
    const img = queryImages(ws, {}, 0, 10).items[0]!
    expect(listLabels(ws, img.id)).toHaveLength(1)
  })

  it('the contract refuses the same names for classes.save, and takes any script', () => {
    const save = (name: string) => argSchemas['classes.save'].safeParse({ name, color: '#aabbcc', kind: 'defect' }).success
    expect(save('crack\nmajor')).toBe(false)
    expect(save('x'.repeat(65))).toBe(false)
    expect(save(' fold')).toBe(false)
    expect(save('裂纹')).toBe(true)
    expect(save('edge crack v2.1')).toBe(true)
  })
})
