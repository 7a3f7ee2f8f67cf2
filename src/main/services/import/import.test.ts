import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeIndexedPng, importSetup } from '../../test/fixtures'
import { listClasses } from '../classes'
import { getImage, imageStats, queryImages, thumbnails } from '../images'
import { listLabels } from '../labels'
import type { Workspace } from '../workspace'
import { rasterizePolygon } from '../../../shared/geometry/raster'
import { importFolder } from './runImport'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const setup = () => importSetup(cleanups)

/** A distinct image per seed, so content hashes differ. */
async function jpeg(file: string, seed: number, width = 40, height = 30): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + seed * 131) & 255
  const buf = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg().toBuffer()
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, buf)
  return buf
}

describe('importFolder', () => {
  it('imports recursively, reads the view from a folder or a file-name token, and dedupes by content', async () => {
    const { ws, src } = setup()
    await jpeg(join(src, 'D01', 'a.jpg'), 1)
    await jpeg(join(src, 'D01', 'nested', 'b.jpeg'), 2)
    await jpeg(join(src, 'line_D03_0001.jpg'), 3)
    await jpeg(join(src, 'D05_not_a_view.jpg'), 4)
    await jpeg(join(src, 'copy_of_a.jpg'), 1) // same bytes as D01/a.jpg
    writeFileSync(join(src, 'notes.txt'), 'not an image')
    const progress: number[] = []
    const s = await importFolder(ws, { folder: src }, { onProgress: (p) => progress.push(p.done) })
    expect(s.found).toBe(5)
    expect(s.imported).toBe(4)
    expect(s.duplicates).toBe(1)
    expect(s.failed).toEqual([])
    expect(s.byView).toEqual({ D01: 2, D03: 1, unassigned: 1 })
    expect(progress.at(-1)).toBe(5)
    const page = queryImages(ws, {}, 0, 100)
    expect(page.items.map((i) => [i.relPath, i.view])).toEqual([
      ['D01/a.jpg', 'D01'],
      ['D01/nested/b.jpeg', 'D01'],
      ['line_D03_0001.jpg', 'D03'],
      ['D05_not_a_view.jpg', 'unassigned']
    ])
    // Everything again: all duplicates, nothing new, earlier images untouched.
    const before = queryImages(ws, {}, 0, 100).items
    const again = await importFolder(ws, { folder: src })
    expect(again.imported).toBe(0)
    expect(again.duplicates).toBe(5)
    expect(queryImages(ws, {}, 0, 100).items).toEqual(before)
    // Thumbnails exist and decode.
    const thumbs = await thumbnails(ws, before.map((i) => i.id))
    expect(thumbs).toHaveLength(4)
    const meta = await sharp(Buffer.from(thumbs[0]!.data)).metadata()
    expect(meta.format).toBe('jpeg')
  })

  it('lists bad files with a specific reason and keeps importing', async () => {
    const { ws, src } = setup()
    const good = await jpeg(join(src, 'good.jpg'), 1, 64, 64)
    await jpeg(join(src, 'good2.jpg'), 2)
    writeFileSync(join(src, 'truncated.jpg'), good.subarray(0, Math.floor(good.length / 2)))
    writeFileSync(join(src, 'empty.png'), Buffer.alloc(0))
    writeFileSync(join(src, 'text.png'), 'this is not a PNG at all\n')
    const s = await importFolder(ws, { folder: src })
    expect(s.imported).toBe(2)
    const reasons = Object.fromEntries(s.failed.map((f) => [f.path, f.reason]))
    expect(Object.keys(reasons).sort()).toEqual(['empty.png', 'text.png', 'truncated.jpg'])
    expect(reasons['empty.png']).toMatch(/empty file \(0 bytes\)/)
    expect(reasons['text.png']).toMatch(/not an image/)
    expect(reasons['truncated.jpg']).toMatch(/truncated|corrupt/)
    // A failed file can be imported later once fixed: it was not recorded as seen.
    writeFileSync(join(src, 'truncated.jpg'), good)
    const again = await importFolder(ws, { folder: src })
    expect(again.duplicates).toBe(3)
  })

  it('honours EXIF orientation for size and thumbnail', async () => {
    const { ws, src } = setup()
    // Stored 60 wide x 20 high; orientation 6 means it displays 20 wide x 60 high.
    const raw = Buffer.alloc(60 * 20 * 3, 200)
    await sharp(raw, { raw: { width: 60, height: 20, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(join(src, 'rotated.jpg'))
    await importFolder(ws, { folder: src })
    const [img] = queryImages(ws, {}, 0, 10).items
    expect([img!.width, img!.height]).toEqual([20, 60])
    const [thumb] = await thumbnails(ws, [img!.id])
    const meta = await sharp(Buffer.from(thumb!.data)).metadata()
    expect([meta.width, meta.height]).toEqual([20, 60])
  })

  it('reads BMP, PNG and TIFF as well as JPEG', async () => {
    const { ws, src } = setup()
    const raw = Buffer.alloc(8 * 6 * 3)
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 13) & 255
    await sharp(raw, { raw: { width: 8, height: 6, channels: 3 } }).png().toFile(join(src, 'a.png'))
    await sharp(raw, { raw: { width: 8, height: 6, channels: 3 } }).tiff().toFile(join(src, 'b.tif'))
    writeFileSync(join(src, 'c.bmp'), bmp24(8, 6, 77))
    const s = await importFolder(ws, { folder: src })
    expect(s.failed).toEqual([])
    expect(s.imported).toBe(3)
    expect(queryImages(ws, {}, 0, 10).items.every((i) => i.width === 8 && i.height === 6)).toBe(true)
  })

  it('traces PNG class-index masks into polygons that rasterise back to the mask', async () => {
    const { ws, src } = setup()
    const masks = join(src, '..', 'masks')
    mkdirSync(masks)
    await jpeg(join(src, 'x.jpg'), 1, 40, 30)
    await jpeg(join(src, 'y.jpg'), 2, 40, 30)
    const values = new Uint8Array(40 * 30)
    for (let yy = 5; yy < 15; yy++) for (let xx = 4; xx < 20; xx++) values[yy * 40 + xx] = 1
    for (let yy = 18; yy < 28; yy++) for (let xx = 25; xx < 35; xx++) values[yy * 40 + xx] = 2
    writeFileSync(join(masks, 'x.png'), encodeIndexedPng(values, 40, 30))
    writeFileSync(join(masks, 'y_mask.png'), encodeIndexedPng(new Uint8Array(40 * 30), 40, 30, false))
    writeFileSync(join(masks, 'classes.txt'), 'background\nfold\nscratch\n')
    const s = await importFolder(ws, { folder: src, masks })
    expect(s.labels.failed).toEqual([])
    expect(s.labels.files).toBe(2)
    expect(s.labels.createdClasses).toEqual(['scratch'])
    const items = queryImages(ws, {}, 0, 10).items
    const x = items.find((i) => i.relPath === 'x.jpg')!
    const y = items.find((i) => i.relPath === 'y.jpg')!
    expect(x.status).toBe('labeled')
    expect(y.status).toBe('normal') // an empty mask says: no defect here
    const classes = new Map(listClasses(ws).map((c) => [c.id, c.name]))
    const labels = listLabels(ws, x.id)
    expect(labels.map((l) => classes.get(l.classId)).sort()).toEqual(['fold', 'scratch'])
    for (const l of labels) {
      const value = classes.get(l.classId) === 'fold' ? 1 : 2
      const back = rasterizePolygon(l.points, 40, 30)
      for (let i = 0; i < back.length; i++) expect(back[i]).toBe(values[i] === value ? 1 : 0)
      expect(l.source).toBe('imported')
    }
  })

  it('reports a mask of the wrong size and still imports the image', async () => {
    const { ws, src } = setup()
    const masks = join(src, '..', 'masks')
    mkdirSync(masks)
    await jpeg(join(src, 'x.jpg'), 1, 40, 30)
    writeFileSync(join(masks, 'x.png'), encodeIndexedPng(new Uint8Array(10 * 10), 10, 10))
    const s = await importFolder(ws, { folder: src, masks, maskClasses: ['fold'] })
    expect(s.imported).toBe(1)
    expect(s.labels.failed).toEqual([{ path: 'x.png', reason: 'mask is 10x10 but its image is 40x30' }])
  })

  it('pairs masks with images by relative path; a mask found by name alone is never applied to two images', async () => {
    const { ws, src } = setup()
    const masks = join(src, '..', 'masks')
    mkdirSync(join(masks, 'coilA'), { recursive: true })
    // coilA/x and coilB/x share a file name; only coilA has a mask at its path. A flat mask named like both is ambiguous.
    await jpeg(join(src, 'coilA', 'x.jpg'), 1, 40, 30)
    await jpeg(join(src, 'coilB', 'x.jpg'), 2, 40, 30)
    await jpeg(join(src, 'coilC', 'y.jpg'), 3, 40, 30)
    await jpeg(join(src, 'coilC', 'z.jpg'), 4, 40, 30)
    await jpeg(join(src, 'coilD', 'z.jpg'), 5, 40, 30)
    const block = (x0: number) => {
      const v = new Uint8Array(40 * 30)
      for (let y = 5; y < 10; y++) for (let x = x0; x < x0 + 5; x++) v[y * 40 + x] = 1
      return encodeIndexedPng(v, 40, 30)
    }
    writeFileSync(join(masks, 'coilA', 'x.png'), block(2))
    writeFileSync(join(masks, 'y.png'), block(10)) // flat, one image of that name: applied
    writeFileSync(join(masks, 'z.png'), block(20)) // flat, two images of that name: refused
    const s = await importFolder(ws, { folder: src, masks, maskClasses: ['fold'] })
    expect(s.imported).toBe(5)
    const byPath = new Map(queryImages(ws, {}, 0, 10).items.map((i) => [i.relPath, listLabels(ws, i.id)]))
    expect(byPath.get('coilA/x.jpg')!.map((l) => Math.min(...l.points.filter((_, k) => k % 2 === 0)))).toEqual([2])
    expect(byPath.get('coilB/x.jpg')).toEqual([])
    expect(byPath.get('coilC/y.jpg')!.map((l) => Math.min(...l.points.filter((_, k) => k % 2 === 0)))).toEqual([10])
    expect(byPath.get('coilC/z.jpg')).toEqual([])
    expect(byPath.get('coilD/z.jpg')).toEqual([])
    // coilB/x.jpg is told why coilA's mask was not taken for it too.
    expect(s.labels.failed.map((f) => f.path).sort()).toEqual(['coilB/x.jpg', 'coilC/z.jpg', 'coilD/z.jpg'])
    expect(s.labels.failed.find((f) => f.path === 'coilC/z.jpg')!.reason).toMatch(/2 images are named z\.\*: a mask found by file name alone was not applied/)
  })

  it('tolerance 0 is pixel exact, holes included: a ring comes back as hole-free pieces covering exactly its pixels', async () => {
    const { ws, src } = setup()
    const masks = join(src, '..', 'masks')
    mkdirSync(masks)
    await jpeg(join(src, 'ring.jpg'), 1, 40, 30)
    await jpeg(join(src, 'scratch.jpg'), 2, 40, 30)
    const ring = new Uint8Array(40 * 30)
    for (let y = 5; y < 25; y++) for (let x = 5; x < 25; x++) ring[y * 40 + x] = y >= 10 && y < 20 && x >= 10 && x < 20 ? 0 : 1
    // A one-pixel diagonal scratch: 1 px simplification shaves it.
    const scratch = new Uint8Array(40 * 30)
    for (let k = 0; k < 20; k++) scratch[(5 + k) * 40 + 5 + k] = scratch[(5 + k) * 40 + 6 + k] = 1
    writeFileSync(join(masks, 'ring.png'), encodeIndexedPng(ring, 40, 30))
    writeFileSync(join(masks, 'scratch.png'), encodeIndexedPng(scratch, 40, 30))
    const exact = await importFolder(ws, { folder: src, masks, maskClasses: ['fold'], traceTolerance: 0 })
    // The ring's hole was once filled (100 px added) and reported; now nothing changed, so nothing is reported.
    expect(exact.labels.failed).toEqual([])
    // Both came through pixel for pixel (checked with the one rasteriser against the masks themselves).
    for (const [rel, mask] of [['scratch.jpg', scratch], ['ring.jpg', ring]] as const) {
      const img = queryImages(ws, {}, 0, 10).items.find((i) => i.relPath === rel)!
      const drawn = new Uint8Array(40 * 30)
      for (const l of listLabels(ws, img.id)) drawn.set(rasterizePolygon(l.points, 40, 30).map((v, i) => v || drawn[i]!))
      expect(Array.from(drawn), rel).toEqual(Array.from(mask))
    }
  })

  it('never guesses the class of a mask value: without a mapping nothing is written, and unmapped values are reported', async () => {
    const { ws, src } = setup()
    const masks = join(src, '..', 'masks')
    mkdirSync(masks)
    await jpeg(join(src, 'x.jpg'), 1, 40, 30)
    const values = new Uint8Array(40 * 30)
    for (let y = 2; y < 8; y++) for (let x = 2; x < 8; x++) values[y * 40 + x] = 1
    for (let y = 10; y < 14; y++) for (let x = 20; x < 25; x++) values[y * 40 + x] = 3
    writeFileSync(join(masks, 'x.png'), encodeIndexedPng(values, 40, 30))
    const tables = () => ws.db.prepare('SELECT (SELECT count(*) FROM images), (SELECT count(*) FROM labels), (SELECT count(*) FROM classes)').raw().get()
    const before = tables()
    // Value 3 was once taken as the workspace's third class, the region `lathe`.
    await expect(importFolder(ws, { folder: src, masks })).rejects.toThrow(/without class names.*nothing was imported.*classes\.txt.*--mask-classes/)
    expect(tables()).toEqual(before)

    const s = await importFolder(ws, { folder: src, masks, maskClasses: ['Blowhole'] })
    expect(s.imported).toBe(1)
    expect(s.labels.failed).toEqual([{ path: 'x.png', reason: 'mask value 3 (20 px) has no class in the class names given for the masks; those pixels were not imported' }])
    const img = queryImages(ws, {}, 0, 10).items[0]!
    const names = new Map(listClasses(ws).map((c) => [c.id, c.name]))
    expect(listLabels(ws, img.id).map((l) => names.get(l.classId))).toEqual(['Blowhole'])
    // Its value-3 pixels are real but not labelled: the frame is neither normal nor complete.
    expect(img.status).toBe('labeled')
  })

  it('imports labelme JSON, shifting points by half a pixel, clipping to the frame and skipping bad shapes', async () => {
    const { ws, src } = setup()
    await jpeg(join(src, 'D02', 'f.jpg'), 1, 40, 30)
    await jpeg(join(src, 'D02', 'g.jpg'), 2, 40, 30)
    writeFileSync(
      join(src, 'D02', 'f.json'),
      JSON.stringify({
        shapes: [
          { label: 'fold', points: [[2, 2], [10, 2], [10, 8]], shape_type: 'polygon' },
          { label: 'edge_crack', points: [[30, 20], [50, 20], [50, 25], [30, 25]] },
          { label: 'fold', points: [[1, 1], [2, 2]], shape_type: 'polygon' },
          { label: 'fold', points: [[1, 1], [2, null], [3, 3]] },
          { label: 'fold', points: [[1, 1], [9, 9]], shape_type: 'line' },
          { label: 'lathe', points: [[0, 0], [5, 5]], shape_type: 'rectangle' }
        ],
        imageWidth: 40,
        imageHeight: 30
      })
    )
    writeFileSync(join(src, 'D02', 'g.json'), '{"shapes": [ {"label": "fold", "points": [[1,')
    const s = await importFolder(ws, { folder: src, labelme: true })
    expect(s.imported).toBe(2)
    const reasons = s.labels.failed.map((f) => `${f.path}: ${f.reason}`)
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^D02\/f\.json: shape 3 \(fold\): fewer than 3 points/),
        expect.stringMatching(/^D02\/f\.json: shape 4 \(fold\): a point is not a finite number/),
        expect.stringMatching(/^D02\/f\.json: shape 5 \(fold\): shape type "line"/),
        expect.stringMatching(/^D02\/f\.json: edge_crack: points outside the 40x30 frame were clipped/),
        expect.stringMatching(/^D02\/g\.json: malformed JSON/)
      ])
    )
    const f = queryImages(ws, { search: 'f.jpg' }, 0, 10).items[0]!
    expect(f.view).toBe('D02')
    expect(f.status).toBe('labeled')
    const labels = listLabels(ws, f.id)
    expect(labels).toHaveLength(3)
    expect(labels[0]!.points).toEqual([2.5, 2.5, 10.5, 2.5, 10.5, 8.5])
    const crack = labels[1]!.points
    expect(Math.max(...crack.filter((_, i) => i % 2 === 0))).toBe(40)
    const g = queryImages(ws, { search: 'g.jpg' }, 0, 10).items[0]!
    expect(g.status).toBe('unlabeled')
  })

  it('assigns splits deterministically, stratified, and never reshuffles earlier images', async () => {
    const a = setup()
    const b = setup()
    for (let i = 0; i < 40; i++) {
      const view = i % 2 ? 'D01' : 'D02'
      await jpeg(join(a.src, view, `f${i}.jpg`), i + 10)
      await jpeg(join(b.src, view, `f${i}.jpg`), i + 10)
    }
    await importFolder(a.ws, { folder: a.src })
    await importFolder(b.ws, { folder: b.src })
    const splitsOf = (ws: Workspace) => queryImages(ws, {}, 0, 1000).items.map((i) => `${i.relPath}:${i.split}`)
    expect(splitsOf(a.ws)).toEqual(splitsOf(b.ws))
    for (const view of ['D01', 'D02'] as const) {
      const st = imageStats(a.ws, { views: [view] }).bySplit
      expect(st).toEqual({ train: 14, val: 3, test: 3 })
    }
    const before = splitsOf(a.ws)
    for (let i = 40; i < 60; i++) await jpeg(join(a.src, 'D01', `f${i}.jpg`), i + 10)
    await importFolder(a.ws, { folder: a.src })
    const after = splitsOf(a.ws)
    for (const entry of before) expect(after).toContain(entry)
    expect(imageStats(a.ws, { views: ['D01'] }).bySplit).toEqual({ train: 28, val: 6, test: 6 })
  })

  it('puts a whole import into one split, forces a view and marks normal frames when asked', async () => {
    const { ws, src } = setup()
    for (let i = 0; i < 5; i++) await jpeg(join(src, `t${i}.jpg`), i)
    const s = await importFolder(ws, { folder: src, split: 'test', view: 'D04', normal: true })
    expect(s.bySplit).toEqual({ test: 5 })
    expect(imageStats(ws).byView).toEqual({ D04: 5 })
    expect(imageStats(ws).byStatus).toEqual({ normal: 5 })
  })

  it('stops on cancel, keeps what was imported, and a second import completes it', async () => {
    const { ws, src } = setup()
    for (let i = 0; i < 120; i++) await jpeg(join(src, `c${String(i).padStart(3, '0')}.jpg`), i)
    const controller = new AbortController()
    const s = await importFolder(ws, { folder: src }, { signal: controller.signal, onProgress: (p) => p.done >= 10 && controller.abort() })
    expect(s.cancelled).toBe(true)
    expect(s.imported).toBeGreaterThan(0)
    expect(s.imported).toBeLessThan(120)
    const rest = await importFolder(ws, { folder: src })
    expect(rest.imported + s.imported).toBe(120)
    expect(ws.info().imageCount).toBe(120)
  })

  it('refuses a missing folder with a clear message', async () => {
    const { ws, src } = setup()
    await expect(importFolder(ws, { folder: join(src, 'nope') })).rejects.toThrow(/No folder at/)
    writeFileSync(join(src, 'file.jpg'), 'x')
    await expect(importFolder(ws, { folder: join(src, 'file.jpg') })).rejects.toThrow(/is a file, not a folder/)
  })

  it('stores image paths relative to the root, so the detail resolves the absolute path', async () => {
    const { ws, src } = setup()
    await jpeg(join(src, 'D01', 'a.jpg'), 1)
    await importFolder(ws, { folder: src })
    const [img] = queryImages(ws, {}, 0, 1).items
    const detail = getImage(ws, img!.id)
    expect(detail.absPath).toBe(join(src, 'D01', 'a.jpg'))
    expect(readFileSync(detail.absPath).length).toBeGreaterThan(0)
  })
})

/** A 24-bit bottom-up BMP, written by hand because sharp can't. */
function bmp24(width: number, height: number, seed: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4
  const size = 54 + stride * height
  const b = Buffer.alloc(size)
  b.write('BM', 0, 'latin1')
  b.writeUInt32LE(size, 2)
  b.writeUInt32LE(54, 10)
  b.writeUInt32LE(40, 14)
  b.writeInt32LE(width, 18)
  b.writeInt32LE(height, 22)
  b.writeUInt16LE(1, 26)
  b.writeUInt16LE(24, 28)
  b.writeUInt32LE(stride * height, 34)
  for (let y = 0; y < height; y++) for (let x = 0; x < width * 3; x++) b[54 + y * stride + x] = (x * 11 + y * 5 + seed) & 255
  return b
}
