import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { rasterizePolygon } from '../../../shared/geometry/raster'
import { encodeIndexedPng, tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { queryImages } from '../images'
import { importFolder } from '../import/runImport'
import { listLabels } from '../labels'
import { Workspace } from '../workspace'
import { previewImport } from './preview'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const W = 32
const H = 24

async function png(file: string, seed: number): Promise<void> {
  const raw = Buffer.alloc(W * H * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 5 + seed * 97) & 255
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer())
}

async function layout(): Promise<{ ws: Workspace; root: string; defect: Uint8Array }> {
  const { dir, cleanup } = tempDir('ds-mvtec-')
  cleanups.push(cleanup)
  const ws = Workspace.create(join(dir, 'ws'))
  cleanups.unshift(() => ws.close())
  const root = join(dir, 'bottle')
  await png(join(root, 'train/good/000.png'), 1)
  await png(join(root, 'test/good/001.png'), 2)
  await png(join(root, 'test/scratch/002.png'), 3)
  await png(join(root, 'test/scratch/003.png'), 4)
  await png(join(root, 'test/scratch/005.png'), 7)
  await png(join(root, 'validation/good/004.png'), 5)
  await png(join(root, 'license.png'), 6)
  const defect = new Uint8Array(W * H)
  for (let y = 3; y < 9; y++) for (let x = 4; x < 4 + y; x++) defect[y * W + x] = 255
  for (let y = 15; y < 20; y++) for (let x = 20; x < 28; x++) defect[y * W + x] = 255
  mkdirSync(join(root, 'ground_truth/scratch'), { recursive: true })
  writeFileSync(join(root, 'ground_truth/scratch/002_mask.png'), encodeIndexedPng(defect, W, H, false))
  const good = encodeIndexedPng(defect, W, H, false)
  writeFileSync(join(root, 'ground_truth/scratch/005_mask.png'), good.subarray(0, good.length - 30))
  return { ws, root, defect }
}

describe('MVTec-AD import', () => {
  it('takes splits and normal frames from the folders and traces ground_truth masks into the folder class', async () => {
    const { ws, root, defect } = await layout()
    const s = await importFolder(ws, { folder: root, mvtec: true, traceTolerance: 0 })
    expect(s.imported).toBe(7)
    expect(s.failed).toEqual([])
    // Images are read four at a time: the order of the reports is not fixed.
    expect(s.labels.failed).toHaveLength(3)
    expect(s.labels.failed).toEqual(
      expect.arrayContaining([
        { path: 'license.png', reason: expect.stringMatching(/^not in the MVTec layout/) },
        { path: 'test/scratch/003.png', reason: expect.stringMatching(/^no ground_truth\/scratch\/<name>_mask\.png for this scratch frame/) },
        { path: 'ground_truth/scratch/005_mask.png', reason: expect.stringMatching(/truncated/) }
      ])
    )
    expect(s.labels.createdClasses).toEqual(['scratch'])
    const items = Object.fromEntries(queryImages(ws, {}, 0, 10).items.map((i) => [i.relPath, i]))
    expect(Object.keys(items).sort()).toEqual([
      'license.png',
      'test/good/001.png',
      'test/scratch/002.png',
      'test/scratch/003.png',
      'test/scratch/005.png',
      'train/good/000.png',
      'validation/good/004.png'
    ])
    expect(Object.fromEntries(Object.entries(items).map(([k, v]) => [k, `${v.split}/${v.status}`]))).toEqual({
      'train/good/000.png': 'train/normal',
      'test/good/001.png': 'test/normal',
      'test/scratch/002.png': 'test/labeled',
      'test/scratch/003.png': 'test/unlabeled',
      'test/scratch/005.png': 'test/unlabeled',
      'validation/good/004.png': 'val/normal',
      'license.png': expect.stringMatching(/\/unlabeled$/)
    })
    const scratch = listClasses(ws).find((c) => c.name === 'scratch')!
    const labels = listLabels(ws, items['test/scratch/002.png']!.id)
    expect(labels).toHaveLength(2)
    expect(labels.every((l) => l.classId === scratch.id)).toBe(true)
    const back = new Uint8Array(W * H)
    for (const l of labels) rasterizePolygon(l.points, W, H).forEach((v, i) => (back[i] ||= v * 255))
    expect(Buffer.from(back).equals(Buffer.from(defect))).toBe(true)
  })

  it('asks for a mapping of its defect folders, and refuses a folder that is not a category', async () => {
    const { ws, root } = await layout()
    const preview = await previewImport(ws, { folder: root, mvtec: true })
    expect(preview).toMatchObject({ images: 7, labelFiles: 2, unknownClasses: ['scratch'] })
    await expect(importFolder(ws, { folder: root, mvtec: true, createClasses: false })).rejects.toThrow(/"scratch"/)
    const s = await importFolder(ws, { folder: root, mvtec: true, createClasses: false, classMap: [{ from: 'scratch', to: 'edge_crack' }] })
    expect(s.labels.imported).toBe(2)
    await expect(importFolder(ws, { folder: join(root, 'test'), mvtec: true })).rejects.toThrow(/not an MVTec-AD category folder/)
  })
})
