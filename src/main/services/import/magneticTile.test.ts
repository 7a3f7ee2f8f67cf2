import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rasterizeInto } from '../../../shared/geometry/raster'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { decodeIndexedPng } from '../imaging/maskPng'
import { imageStats, queryImages } from '../images'
import { listLabels } from '../labels'
import { Workspace } from '../workspace'
import { importFolder } from './runImport'
import type { ImportSummary } from '../../../shared/contract'

// The real data set lives beside the repo and is read in place, never copied.
const DATA = resolve(__dirname, '../../../../../shared/datasets/magnetic-tile')
const CLASS_NAMES = ['Blowhole', 'Break', 'Crack', 'Fray', 'Uneven']

describe('import of ../shared/datasets/magnetic-tile', () => {
  let ws: Workspace
  let cleanup: () => void
  let defects: ImportSummary
  let normals: ImportSummary

  beforeAll(async () => {
    const tmp = tempDir()
    cleanup = tmp.cleanup
    ws = Workspace.create(join(tmp.dir, 'ws'))
    defects = await importFolder(ws, { folder: join(DATA, 'images'), masks: join(DATA, 'masks'), maskClasses: CLASS_NAMES, view: 'D01' })
    normals = await importFolder(ws, { folder: join(DATA, 'normal'), view: 'D01', normal: true })
  }, 600_000)

  afterAll(() => {
    ws?.close()
    cleanup?.()
  })

  it('counts all 953 images: 284 with masks and 669 normal', () => {
    expect(defects.found).toBe(284)
    expect(normals.found).toBe(669)
    expect(defects.imported + defects.duplicates).toBe(284)
    expect(normals.imported + normals.duplicates).toBe(669)
    expect(defects.failed).toEqual([])
    expect(normals.failed).toEqual([])
    // Nothing failed; four masks whose 1 px outlines differ from their pixels by more than 5% (holes, thin parts) are named.
    expect(defects.labels.failed.map((f) => f.path).sort()).toEqual([
      'Blowhole_exp2_num_265103.png',
      'Blowhole_exp4_num_51725.png',
      'Break_exp1_num_241889.png',
      'Break_exp6_num_348888.png'
    ])
    for (const f of defects.labels.failed) expect(f.reason).toMatch(/outlines traced within 1 px differ from the mask by \d+ of its \d+ px/)
    expect(defects.labels.files).toBe(defects.imported)
    const stats = imageStats(ws)
    expect(stats.total).toBe(defects.imported + normals.imported)
    expect(stats.byView).toEqual({ D01: stats.total })
    expect(listClasses(ws).map((c) => c.name)).toEqual(expect.arrayContaining(CLASS_NAMES))
  })

  it('dedupes a second import of the same folders', async () => {
    const again = await importFolder(ws, { folder: join(DATA, 'images'), masks: join(DATA, 'masks'), maskClasses: CLASS_NAMES })
    expect(again.imported).toBe(0)
    expect(again.duplicates).toBe(284)
    const normalAgain = await importFolder(ws, { folder: join(DATA, 'normal') })
    expect(normalAgain.imported).toBe(0)
    expect(normalAgain.duplicates).toBe(669)
  }, 300_000)

  it('traces masks into polygons that rasterise back at median IoU >= 0.95', () => {
    const classes = new Map(listClasses(ws).map((c) => [c.id, c.name]))
    const ious: number[] = []
    let empty = 0
    const images = queryImages(ws, { statuses: ['labeled', 'normal'] }, 0, 1000).items.filter((i) => !i.relPath.startsWith('Free_'))
    for (const img of images) {
      const stem = img.relPath.replace(/\.jpg$/, '')
      const mask = decodeIndexedPng(readFileSync(join(DATA, 'masks', `${stem}.png`)))
      if (!mask) throw new Error(`${stem}: mask is not a grey/palette PNG`)
      const truth = mask.data
      if (!truth.some((v) => v > 0)) {
        empty++
        continue
      }
      const back = new Uint8Array(img.width * img.height)
      for (const l of listLabels(ws, img.id)) rasterizeInto(back, img.width, img.height, l.points, CLASS_NAMES.indexOf(classes.get(l.classId)!) + 1)
      let inter = 0
      let union = 0
      for (let i = 0; i < truth.length; i++) {
        const a = truth[i]! > 0
        const b = back[i]! > 0
        if (a && b && truth[i] === back[i]) inter++
        if (a || b) union++
      }
      ious.push(inter / union)
    }
    ious.sort((a, b) => a - b)
    const median = ious[Math.floor(ious.length / 2)]!
    console.log(`magnetic-tile masks: ${ious.length} traced, ${empty} empty; IoU median ${median.toFixed(4)}, min ${ious[0]!.toFixed(4)}`)
    expect(ious.length + empty).toBe(defects.imported)
    expect(median).toBeGreaterThanOrEqual(0.95)
  })
})
