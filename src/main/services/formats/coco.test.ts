import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { rasterizePolygon } from '../../../shared/geometry/raster'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { queryImages } from '../images'
import { importFolder } from '../import/runImport'
import { listLabels } from '../labels'
import { Workspace } from '../workspace'
import { previewImport } from './preview'
import { encodeRle, rleCountsToString } from './rle'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const W = 40
const H = 30

async function setup(files: string[]): Promise<{ ws: Workspace; src: string; dir: string }> {
  const { dir, cleanup } = tempDir('ds-coco-')
  cleanups.push(cleanup)
  const ws = Workspace.create(join(dir, 'ws'))
  cleanups.unshift(() => ws.close())
  const src = join(dir, 'src')
  let seed = 1
  for (const rel of files) {
    mkdirSync(join(src, rel, '..'), { recursive: true })
    const raw = Buffer.alloc(W * H * 3)
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + seed * 131) & 255
    seed++
    writeFileSync(join(src, rel), await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer())
  }
  return { ws, src, dir }
}

function cocoFile(dir: string, doc: unknown): string {
  const file = join(dir, 'annotations.json')
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc))
  return file
}

const categories = [
  { id: 1, name: 'fold' },
  { id: 7, name: 'edge_crack' }
]

function labelsOf(ws: Workspace, rel: string): { cls: string; points: number[] }[] {
  const img = queryImages(ws, { search: rel }, 0, 10).items.find((i) => i.relPath === rel)!
  const names = new Map(listClasses(ws).map((c) => [c.id, c.name]))
  return listLabels(ws, img.id).map((l) => ({ cls: names.get(l.classId)!, points: l.points }))
}

describe('COCO import', () => {
  it('reads polygons as they are, and both RLE forms traced back to their exact mask', async () => {
    const { ws, src, dir } = await setup(['a.png', 'sub/b.png', 'c.png', 'none.png'])
    const blob = new Uint8Array(W * H)
    for (let y = 4; y < 12; y++) for (let x = 20; x < 20 + (y - 2); x++) blob[y * W + x] = 1
    for (let y = 20; y < 26; y++) for (let x = 3; x < 9; x++) blob[y * W + x] = 1
    const file = cocoFile(dir, {
      images: [
        { id: 1, file_name: 'a.png', width: W, height: H },
        { id: 2, file_name: 'sub/b.png', width: W, height: H },
        { id: 3, file_name: 'elsewhere/c.png', width: W, height: H },
        { id: 4, file_name: 'none.png', width: W, height: H }
      ],
      annotations: [
        { id: 10, image_id: 1, category_id: 1, segmentation: [[2.5, 2.5, 12.5, 2.5, 12.5, 9.5]], iscrowd: 0 },
        { id: 11, image_id: 1, category_id: 7, segmentation: [[20, 20, 30, 20, 30, 25, 20, 25], [1, 1, 3, 1, 2, 3]], iscrowd: 0 },
        { id: 12, image_id: 2, category_id: 7, segmentation: { size: [H, W], counts: encodeRle(blob, W, H) }, iscrowd: 1 },
        { id: 13, image_id: 3, category_id: 1, segmentation: { size: [H, W], counts: rleCountsToString(encodeRle(blob, W, H)) }, iscrowd: 1 }
      ],
      categories
    })
    const s = await importFolder(ws, { folder: src, coco: file, traceTolerance: 0 })
    expect(s.labels.failed).toEqual([])
    expect(s.labels.files).toBe(4)
    expect(labelsOf(ws, 'a.png')).toEqual([
      { cls: 'fold', points: [2.5, 2.5, 12.5, 2.5, 12.5, 9.5] },
      { cls: 'edge_crack', points: [20, 20, 30, 20, 30, 25, 20, 25] },
      { cls: 'edge_crack', points: [1, 1, 3, 1, 2, 3] }
    ])
    // c.png is named by a path from another folder: its unique file name pairs it.
    for (const rel of ['sub/b.png', 'c.png']) {
      const labels = labelsOf(ws, rel)
      expect(labels).toHaveLength(2)
      const back = new Uint8Array(W * H)
      for (const l of labels) rasterizePolygon(l.points, W, H).forEach((v, i) => (back[i] ||= v))
      expect(Buffer.from(back).equals(Buffer.from(blob))).toBe(true)
    }
    // An image listed without annotations is a known-good frame.
    expect(queryImages(ws, { search: 'none' }, 0, 1).items[0]!.status).toBe('normal')
  })

  it('reports a polygon with fewer than 3 points, non-numeric coordinates and clipped points, and keeps the rest', async () => {
    const { ws, src, dir } = await setup(['a.png'])
    const file = cocoFile(dir, {
      images: [{ id: 1, file_name: 'a.png', width: W, height: H }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, segmentation: [[1, 1, 5, 5]] },
        { id: 2, image_id: 1, category_id: 1, segmentation: [[1, 1, null, 5, 9, 9]] },
        { id: 3, image_id: 1, category_id: 1, segmentation: [[1, 1, '5', 5, 9, 9]] },
        { id: 4, image_id: 1, category_id: 1, segmentation: [[1, 1, 'NaN', 5, 9, 9]] },
        { id: 5, image_id: 1, category_id: 1, segmentation: [[1, 1, 5, 5, 9]] },
        { id: 6, image_id: 1, category_id: 1, bbox: [1, 1, 4, 4] },
        { id: 7, image_id: 1, category_id: 99, segmentation: [[1, 1, 5, 1, 5, 5]] },
        { id: 8, image_id: 1, category_id: 7, segmentation: [[30, 20, 50, 20, 50, 40, 30, 40]] },
        { id: 9, image_id: 1, category_id: 1, segmentation: [[-10, -10, -5, -10, -5, -5]] },
        { id: 10, image_id: 1, category_id: 1, segmentation: [[2, 2, 8, 2, 8, 8]] },
        { id: 11, image_id: 1, category_id: 7, segmentation: { size: [H, W + 1], counts: [0, H * (W + 1)] } },
        { id: 12, image_id: 1, category_id: 7, segmentation: { size: [H, W], counts: [0, 5] } }
      ],
      categories
    })
    const s = await importFolder(ws, { folder: src, coco: file })
    const reasons = s.labels.failed.map((f) => `${f.path}: ${f.reason}`)
    expect(reasons).toEqual(
      expect.arrayContaining([
        'annotations.json: a.png: annotation 1 (fold): fewer than 3 points (2); skipped',
        'annotations.json: a.png: annotation 2 (fold): a coordinate is not a finite number; skipped',
        'annotations.json: a.png: annotation 3 (fold): a coordinate is not a finite number; skipped',
        'annotations.json: a.png: annotation 4 (fold): a coordinate is not a finite number; skipped',
        'annotations.json: a.png: annotation 5 (fold): odd number of coordinates (5); skipped',
        'annotations.json: a.png: annotation 6 (fold): no segmentation (bounding-box-only annotations are not imported); skipped',
        'annotations.json: a.png: annotation 7: category_id 99 is not in "categories"; skipped',
        'annotations.json: a.png: edge_crack: points outside the 40x30 frame were clipped',
        'annotations.json: a.png: fold: nothing left inside the frame',
        `annotations.json: a.png: annotation 11 (edge_crack): RLE size ${W + 1}x${H} differs from the image's ${W}x${H}; skipped`,
        `annotations.json: a.png: annotation 12 (edge_crack): RLE counts cover 5 pixels, but size ${W}x${H} has ${W * H}; skipped`
      ])
    )
    expect(labelsOf(ws, 'a.png')).toEqual([
      { cls: 'edge_crack', points: [30, 30, 30, 20, 40, 20, 40, 30] },
      { cls: 'fold', points: [2, 2, 8, 2, 8, 8] }
    ])
  })

  it('refuses a truncated file before importing anything', async () => {
    const { ws, src, dir } = await setup(['a.png'])
    const file = cocoFile(dir, '{"images": [{"id": 1, "file_name": "a.png"}], "annotations": [{"id": 1, "segm')
    await expect(importFolder(ws, { folder: src, coco: file })).rejects.toThrow(/COCO file .*annotations\.json: malformed JSON/)
    await expect(importFolder(ws, { folder: src, coco: cocoFile(dir, { annotations: [] }) })).rejects.toThrow(/not a COCO file \(no "images" array\)/)
    await expect(importFolder(ws, { folder: src, coco: join(dir, 'missing.json') })).rejects.toThrow(/No COCO file at/)
    expect(ws.info().imageCount).toBe(0)
  })

  it('refuses image paths that leave the folder and ambiguous duplicate image ids', async () => {
    const { ws, src, dir } = await setup(['a.png', 'b.png', 'passwd.png'])
    const file = cocoFile(dir, {
      images: [
        { id: 1, file_name: '../../etc/passwd.png', width: W, height: H },
        { id: 2, file_name: '/etc/passwd.png', width: W, height: H },
        { id: 3, file_name: 'a.png', width: W, height: H },
        { id: 3, file_name: 'b.png', width: W, height: H },
        { id: 4, file_name: 'sub\\..\\..\\x.png', width: W, height: H }
      ],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, segmentation: [[1, 1, 9, 1, 9, 9]] },
        { id: 2, image_id: 3, category_id: 1, segmentation: [[1, 1, 9, 1, 9, 9]] }
      ],
      categories
    })
    const s = await importFolder(ws, { folder: src, coco: file })
    expect(s.imported).toBe(3)
    expect(s.labels.imported).toBe(0)
    expect(s.labels.failed.map((f) => f.reason)).toEqual(
      expect.arrayContaining([
        'image id 1: file_name "../../etc/passwd.png" leaves the image folder (".."): refused',
        'image id 2: file_name "/etc/passwd.png" is an absolute path: refused',
        'image id 4: file_name "sub\\..\\..\\x.png" leaves the image folder (".."): refused',
        'image id 3 is listed 2 times (a.png, b.png): its annotations are ambiguous, all skipped'
      ])
    )
    // passwd.png in the folder is not paired with the refused entry.
    expect(queryImages(ws, {}, 0, 10).items.every((i) => i.status === 'unlabeled')).toBe(true)
  })

  it('maps, drops or refuses classes the workspace lacks, and the preview lists them first', async () => {
    const { ws, src, dir } = await setup(['a.png'])
    const file = cocoFile(dir, {
      images: [{ id: 1, file_name: 'a.png', width: W, height: H }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, segmentation: [[1, 1, 9, 1, 9, 9]] },
        { id: 2, image_id: 1, category_id: 2, segmentation: [[11, 1, 19, 1, 19, 9]] },
        { id: 3, image_id: 1, category_id: 3, segmentation: [[21, 1, 29, 1, 29, 9]] },
        { id: 4, image_id: 1, category_id: 3, segmentation: [[21, 11, 29, 11, 29, 19]] }
      ],
      categories: [
        { id: 1, name: 'Fold' },
        { id: 2, name: 'scratch' },
        { id: 3, name: 'dent' }
      ]
    })
    const preview = await previewImport(ws, { folder: src, coco: file })
    expect(preview).toMatchObject({ images: 1, labelFiles: 1, unknownClasses: ['dent', 'scratch'] })
    expect(preview.classes).toEqual([
      { name: 'dent', labels: 2, target: 'dent', exists: false },
      { name: 'Fold', labels: 1, target: 'fold', exists: true },
      { name: 'scratch', labels: 1, target: 'scratch', exists: false }
    ])
    await expect(importFolder(ws, { folder: src, coco: file, createClasses: false })).rejects.toThrow(
      /classes this workspace does not have: "dent" \(2 labels\), "scratch" \(1 label\)\. Map them .*--map dent=fold.*--create-classes.*Existing classes: fold, edge_crack, lathe/
    )
    expect(ws.info().imageCount).toBe(0)
    const mapping = [
      { from: 'SCRATCH', to: 'edge_crack' },
      { from: 'dent', to: '' }
    ]
    expect((await previewImport(ws, { folder: src, coco: file, classMap: mapping })).unknownClasses).toEqual([])
    const s = await importFolder(ws, { folder: src, coco: file, createClasses: false, classMap: mapping })
    expect(s.labels).toMatchObject({ imported: 2, dropped: 2, createdClasses: [] })
    expect(labelsOf(ws, 'a.png').map((l) => l.cls)).toEqual(['fold', 'edge_crack'])
  })

  it('creates missing classes by default, as the other label formats do', async () => {
    const { ws, src, dir } = await setup(['a.png'])
    const file = cocoFile(dir, {
      images: [{ id: 1, file_name: 'a.png', width: W, height: H }],
      annotations: [{ id: 1, image_id: 1, category_id: 2, segmentation: [[11, 1, 19, 1, 19, 9]] }],
      categories: [{ id: 2, name: 'scratch' }]
    })
    const s = await importFolder(ws, { folder: src, coco: file })
    expect(s.labels.createdClasses).toEqual(['scratch'])
  })
})
