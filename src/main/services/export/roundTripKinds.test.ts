/**
 * Our own mask export re-imported with no flag (the CLI's path, not the
 * dialog's) creates the classes it brings with the kinds the export gave
 * them: a region class comes back a region, not a defect.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../test/fixtures'
import { listClasses, saveClass } from '../classes'
import { importFolder } from '../import/runImport'
import { saveFrameLabels } from '../labels'
import { Workspace } from '../workspace'
import { runExport } from './runExport'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

describe('mask export -> re-import with no flag', () => {
  it('creates the exported classes with their kinds (region and defect)', async () => {
    const { dir, cleanup } = tempDir('ds-roundtrip-kinds-')
    cleanups.push(cleanup)
    const src = join(dir, 'frames', 'D01')
    mkdirSync(src, { recursive: true })
    for (let i = 0; i < 2; i++) {
      await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 30 + i * 90, g: 80, b: 120 } } }).png().toFile(join(src, `f${i}.png`))
    }
    const source = Workspace.create(join(dir, 'source'))
    cleanups.unshift(() => source.close())
    await importFolder(source, { folder: join(dir, 'frames') })
    const seam = saveClass(source, { name: 'Seam', color: '#112233', kind: 'region' })
    const pit = saveClass(source, { name: 'Pit', color: '#445566', kind: 'defect' })
    const ids = source.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[]
    saveFrameLabels(source, ids[0]!, [{ classId: seam.id, points: [0, 0, 40, 0, 40, 8, 0, 8] }, { classId: pit.id, points: [10, 12, 18, 12, 18, 20, 10, 20] }], 'qc')
    saveFrameLabels(source, ids[1]!, [{ classId: pit.id, points: [20, 10, 30, 10, 30, 22, 20, 22] }], 'qc')

    const out = join(dir, 'out')
    await runExport(source, { format: 'masks', out, copyImages: true })
    const fresh = Workspace.create(join(dir, 'fresh'))
    cleanups.unshift(() => fresh.close())
    await importFolder(fresh, { folder: join(out, 'images'), masks: [join(out, 'defects'), join(out, 'regions')] })

    const kinds = Object.fromEntries(listClasses(fresh).map((c) => [c.name, c.kind]))
    expect(kinds).toMatchObject({ Seam: 'region', Pit: 'defect' })
    const regionLabels = fresh.db
      .prepare("SELECT count(*) FROM labels l JOIN classes c ON c.id = l.class_id WHERE c.name = 'Seam' AND l.deleted_at IS NULL")
      .pluck()
      .get() as number
    expect(regionLabels).toBe(1)
  })
})
