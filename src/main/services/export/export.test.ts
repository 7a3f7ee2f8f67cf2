import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import type { ExportOptions } from '../../../shared/contract'
import { rasterArea, rasterBBox, rasterizeInto } from '../../../shared/geometry/raster'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { readClassMask } from '../imaging/maskPng'
import { listLabels } from '../labels'
import type { Workspace } from '../workspace'
import { demoWorkspace, HAND_H, HAND_W, handWorkspace } from './exportFixtures'
import { ExportWriter } from './outDir'
import { previewExport, runExport } from './runExport'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

function scratch(): string {
  const { dir, cleanup } = tempDir('ds-export-')
  cleanups.push(cleanup)
  return dir
}

async function hand(): Promise<{ ws: Workspace; dir: string; images: string }> {
  const dir = scratch()
  const { ws, images } = await handWorkspace(dir)
  cleanups.unshift(() => ws.close())
  return { ws, dir, images }
}

function frameId(ws: Workspace, rel: string): number {
  return ws.db.prepare('SELECT id FROM images WHERE rel_path = ?').pluck().get(rel) as number
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T
}

/** Every file below a folder, relative, '/'-separated. */
function tree(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name)
      if (e.isDirectory()) walk(full)
      else out.push(relative(dir, full).split(sep).join('/'))
    }
  }
  walk(dir)
  return out.sort()
}

/** The class mask of one kind as the spec says: rasterizeInto per label, largest area first, value = class position. */
function expectedMask(ws: Workspace, rel: string, kind: 'defect' | 'region'): Uint8Array {
  const classes = new Map(listClasses(ws).map((c) => [c.id, c]))
  const labels = listLabels(ws, frameId(ws, rel))
    .map((l) => ({ l, cls: classes.get(l.classId)!, area: rasterArea(l.points, HAND_W, HAND_H) }))
    .filter((x) => x.cls.kind === kind && x.area > 0)
    .sort((a, b) => b.area - a.area || a.cls.position - b.cls.position || a.l.id - b.l.id)
  const mask = new Uint8Array(HAND_W * HAND_H)
  for (const x of labels) rasterizeInto(mask, HAND_W, HAND_H, x.l.points, x.cls.position)
  return mask
}

interface Manifest {
  generator: string
  format: string
  cancelled: boolean
  counts: { frames: number; labels: number; files: number }
  files: string[]
  frames: { id: number; image: string; view: string; split: string; files: string[] }[]
  skipped: { path: string; reason: string }[]
  notes: string[]
  imageRoots?: string[]
}

describe('export: COCO', () => {
  it('writes polygons as stored, area and bbox from the one rasteriser, categories from the classes and each frame view', async () => {
    const { ws, dir } = await hand()
    const out = join(dir, 'coco')
    const summary = await runExport(ws, { format: 'coco', out })
    expect(summary.cancelled).toBe(false)
    expect(tree(out)).toEqual(['annotations.json', 'manifest.json'])
    const doc = readJson<{
      images: { id: number; file_name: string; width: number; height: number; view: string; split: string; status: string }[]
      annotations: { id: number; image_id: number; category_id: number; segmentation: number[][]; area: number; bbox: number[]; iscrowd: number }[]
      categories: { id: number; name: string; supercategory: string }[]
    }>(join(out, 'annotations.json'))
    expect(doc.categories).toEqual(listClasses(ws).map((c) => expect.objectContaining({ id: c.position, name: c.name, supercategory: c.kind })))
    // The unlabeled frame is left out, the others keep their path, size, view, split and status.
    expect(doc.images.map((i) => [i.file_name, i.width, i.height, i.view, i.split, i.status])).toEqual([
      ['D01/a.png', 60, 40, 'D01', 'train', 'labeled'],
      ['D01/b.png', 60, 40, 'D01', 'train', 'normal'],
      ['D02/d.png', 60, 40, 'D02', 'test', 'labeled'],
      ['D03/e.jpg', 60, 40, 'D03', 'val', 'labeled']
    ])
    const classes = new Map(listClasses(ws).map((c) => [c.id, c]))
    let checked = 0
    for (const image of doc.images) {
      const labels = listLabels(ws, image.id).filter((l) => rasterArea(l.points, HAND_W, HAND_H) > 0)
      const anns = doc.annotations.filter((a) => a.image_id === image.id)
      expect(anns.map((a) => a.id)).toEqual(labels.map((l) => l.id))
      for (const l of labels) {
        const a = anns.find((x) => x.id === l.id)!
        expect(a.segmentation).toEqual([l.points])
        expect(a.category_id).toBe(classes.get(l.classId)!.position)
        expect(a.area).toBe(rasterArea(l.points, HAND_W, HAND_H))
        expect(a.bbox).toEqual(rasterBBox(l.points, HAND_W, HAND_H))
        expect(a.iscrowd).toBe(0)
        checked++
      }
    }
    expect(checked).toBe(6)
    const manifest = readJson<Manifest>(join(out, 'manifest.json'))
    expect(manifest.skipped).toEqual(
      expect.arrayContaining([
        { path: 'D02/c.png', reason: expect.stringMatching(/^unlabeled/) },
        { path: 'D02/d.png', reason: expect.stringMatching(/covers no pixel centre/) }
      ])
    )
    expect(manifest.imageRoots).toHaveLength(1)
    expect(manifest.counts).toMatchObject({ frames: 4, labels: 6, files: 2 })
  })

  it('copies images when asked, turning an EXIF-rotated frame into an upright PNG', async () => {
    const { ws, dir } = await hand()
    const out = join(dir, 'coco')
    await runExport(ws, { format: 'coco', out, copyImages: true })
    expect(tree(out)).toEqual(['annotations.json', 'images/D01/a.png', 'images/D01/b.png', 'images/D02/d.png', 'images/D03/e.png', 'manifest.json'])
    const doc = readJson<{ images: { file_name: string }[] }>(join(out, 'annotations.json'))
    expect(doc.images.map((i) => i.file_name)).toContain('D03/e.png')
    const meta = await sharp(join(out, 'images/D03/e.png')).metadata()
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([60, 40, 1])
  })
})

describe('export: PNG class masks', () => {
  it('equal the editor rasteriser pixel for pixel, smallest label on top, regions apart', async () => {
    const { ws, dir } = await hand()
    const out = join(dir, 'masks')
    await runExport(ws, { format: 'masks', out })
    expect(tree(out)).toEqual([
      'defects/D01/a.png',
      'defects/D01/b.png',
      'defects/D02/d.png',
      'defects/D03/e.png',
      'defects/classes.txt',
      'manifest.json',
      'regions/D01/a.png',
      'regions/D01/b.png',
      'regions/D02/d.png',
      'regions/D03/e.png',
      'regions/classes.txt'
    ])
    expect(readFileSync(join(out, 'defects/classes.txt'), 'utf8')).toBe('background\nfold\nedge_crack\nlathe\n')
    for (const rel of ['D01/a.png', 'D01/b.png', 'D02/d.png', 'D03/e.jpg']) {
      const stem = rel.replace(/\.[a-z]+$/, '')
      for (const [kind, folder] of [['defect', 'defects'], ['region', 'regions']] as const) {
        const mask = await readClassMask(readFileSync(join(out, folder, `${stem}.png`)))
        expect([mask.width, mask.height]).toEqual([HAND_W, HAND_H])
        expect(Buffer.from(mask.data).equals(Buffer.from(expectedMask(ws, rel, kind)))).toBe(true)
      }
    }
    // The crack lies inside the fold: its pixels carry the crack's value.
    const a = await readClassMask(readFileSync(join(out, 'defects/D01/a.png')))
    expect(a.data[15 * HAND_W + 14]).toBe(2)
    expect(a.data[25 * HAND_W + 30]).toBe(1)
    expect(new Set(a.data)).toEqual(new Set([0, 1, 2]))
    // Any PNG reader sees the palette: a fold pixel decodes to the fold's colour.
    const { data, info } = await sharp(join(out, 'defects/D01/a.png')).raw().toBuffer({ resolveWithObject: true })
    const px = (25 * HAND_W + 30) * info.channels
    expect([data[px], data[px + 1], data[px + 2]]).toEqual([0xe6, 0x19, 0x4b])
  })
})

/** labelme's file layout (labelme/label_file.py): these keys, these types, these shape kinds. */
function labelmeSchemaErrors(doc: unknown): string[] {
  const errors: string[] = []
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObj(doc)) return ['not an object']
  const keys = ['version', 'flags', 'shapes', 'imagePath', 'imageData', 'imageHeight', 'imageWidth']
  for (const k of keys) if (!(k in doc)) errors.push(`missing ${k}`)
  for (const k of Object.keys(doc)) if (!keys.includes(k)) errors.push(`unexpected key ${k}`)
  if (typeof doc.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(doc.version)) errors.push('version is not "x.y.z"')
  if (!isObj(doc.flags)) errors.push('flags is not an object')
  if (typeof doc.imagePath !== 'string' || doc.imagePath === '') errors.push('imagePath is not a path')
  if (doc.imageData !== null && typeof doc.imageData !== 'string') errors.push('imageData is neither null nor base64')
  for (const k of ['imageHeight', 'imageWidth']) if (!Number.isInteger(doc[k]) || (doc[k] as number) <= 0) errors.push(`${k} is not a positive integer`)
  if (!Array.isArray(doc.shapes)) return [...errors, 'shapes is not a list']
  const shapeKeys = ['label', 'points', 'group_id', 'description', 'shape_type', 'flags', 'mask']
  const kinds = ['polygon', 'rectangle', 'circle', 'line', 'point', 'linestrip', 'points', 'mask']
  doc.shapes.forEach((s, i) => {
    if (!isObj(s)) return errors.push(`shape ${i} is not an object`)
    for (const k of shapeKeys) if (!(k in s)) errors.push(`shape ${i}: missing ${k}`)
    for (const k of Object.keys(s)) if (!shapeKeys.includes(k)) errors.push(`shape ${i}: unexpected key ${k}`)
    if (typeof s.label !== 'string' || s.label === '') errors.push(`shape ${i}: label`)
    if (s.group_id !== null && !Number.isInteger(s.group_id)) errors.push(`shape ${i}: group_id`)
    if (typeof s.description !== 'string') errors.push(`shape ${i}: description`)
    if (!kinds.includes(s.shape_type as string)) errors.push(`shape ${i}: shape_type ${String(s.shape_type)}`)
    if (!isObj(s.flags)) errors.push(`shape ${i}: flags`)
    if (s.mask !== null) errors.push(`shape ${i}: mask must be null for a polygon`)
    const pts = s.points
    if (!Array.isArray(pts) || !pts.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
      errors.push(`shape ${i}: points are not [x, y] number pairs`)
    } else if (s.shape_type === 'polygon' && pts.length < 3) {
      errors.push(`shape ${i}: a polygon needs 3 points`)
    }
  })
  return errors
}

describe('export: labelme', () => {
  it('writes files labelme opens unchanged, beside copies of the images, points shifted by half a pixel', async () => {
    const { ws, dir } = await hand()
    const out = join(dir, 'labelme')
    const summary = await runExport(ws, { format: 'labelme', out })
    expect(summary.copyImages).toBe(true)
    expect(tree(out)).toEqual([
      'D01/a.json',
      'D01/a.png',
      'D01/b.json',
      'D01/b.png',
      'D02/d.json',
      'D02/d.png',
      'D03/e.jpg',
      'D03/e.json',
      'manifest.json'
    ])
    const classes = new Map(listClasses(ws).map((c) => [c.id, c.name]))
    for (const json of ['D01/a.json', 'D01/b.json', 'D02/d.json', 'D03/e.json']) {
      const doc = readJson<{ shapes: { label: string; points: number[][] }[]; imagePath: string; imageWidth: number; imageHeight: number }>(join(out, json))
      expect(labelmeSchemaErrors(doc)).toEqual([])
      expect(existsSync(join(out, dirname(json), doc.imagePath))).toBe(true)
      expect([doc.imageWidth, doc.imageHeight]).toEqual([HAND_W, HAND_H])
      const rel = json.replace('.json', json.startsWith('D03') ? '.jpg' : '.png')
      const labels = listLabels(ws, frameId(ws, rel)).filter((l) => rasterArea(l.points, HAND_W, HAND_H) > 0)
      const got = doc.shapes.map((s) => `${s.label}:${s.points.flat().map((v) => v + 0.5).join(',')}`).sort()
      expect(got).toEqual(labels.map((l) => `${classes.get(l.classId)}:${l.points.join(',')}`).sort())
    }
    // The check itself catches what labelme would choke on.
    const sample = readJson<{ shapes: Record<string, unknown>[] }>(join(out, 'D01/a.json'))
    expect(labelmeSchemaErrors({ ...sample, imageData: 5, extra: 1 })).toEqual(['unexpected key extra', 'imageData is neither null nor base64'])
    expect(labelmeSchemaErrors({ ...sample, shapes: [{ ...sample.shapes[0], shape_type: 'blob', points: [[1, null]] }] })).toEqual([
      'shape 0: shape_type blob',
      'shape 0: points are not [x, y] number pairs'
    ])
    // Overlap order: largest first (the fold, 875 px, then the lathe, 800 px), the crack last, as labelme draws later shapes on top.
    const a = readJson<{ shapes: { label: string }[] }>(join(out, 'D01/a.json'))
    expect(a.shapes.map((s) => s.label)).toEqual(['fold', 'lathe', 'edge_crack'])
    // The copy is the imported file, byte for byte (labelme applies EXIF orientation itself).
    expect(readFileSync(join(out, 'D03/e.jpg')).equals(readFileSync(join(dir, 'images/D03/e.jpg')))).toBe(true)
  })

  it('points at the images where they are when not copying', async () => {
    const { ws, dir } = await hand()
    const out = join(dir, 'labelme')
    await runExport(ws, { format: 'labelme', out, copyImages: false })
    const doc = readJson<{ imagePath: string }>(join(out, 'D02/d.json'))
    expect(labelmeSchemaErrors(doc)).toEqual([])
    expect(doc.imagePath).toBe('../../images/D02/d.png')
    expect(statSync(join(out, 'D02', doc.imagePath)).isFile()).toBe(true)
  })
})

describe('export: MVTec-AD', () => {
  it('writes the folder structure anomalib reads, with masks paired to images by sorted name', async () => {
    const dir = scratch()
    const ws = await demoWorkspace(dir)
    cleanups.unshift(() => ws.close())
    const out = join(dir, 'mvtec')
    const summary = await runExport(ws, { format: 'mvtec', out })
    const files = tree(out)
    // anomalib's make_mvtec_dataset: every .png below the root is split/label/file.
    const samples = files.filter((f) => f.endsWith('.png')).map((f) => f.split('/'))
    expect(samples.every((p) => p.length === 3)).toBe(true)
    const splits = new Set(samples.map((p) => p[0]))
    expect([...splits].sort()).toEqual(['ground_truth', 'test', 'train'])
    expect(new Set(samples.filter((p) => p[0] === 'train').map((p) => p[1]))).toEqual(new Set(['good']))
    const abnormal = samples.filter((p) => p[0] === 'test' && p[1] !== 'good').map((p) => p.join('/')).sort()
    const masks = samples.filter((p) => p[0] === 'ground_truth').map((p) => p.join('/')).sort()
    expect(abnormal.length).toBeGreaterThan(0)
    expect(masks.length).toBe(abnormal.length)
    // Sorted alike, and each mask's stem contains its image's stem (anomalib's MisMatchError check).
    abnormal.forEach((img, k) => {
      const [, label, name] = img.split('/')
      const [, mlabel, mname] = masks[k]!.split('/')
      expect(mlabel).toBe(label)
      expect(mname).toBe(name!.replace(/\.png$/, '_mask.png'))
    })
    expect(samples.some((p) => p[0] === 'test' && p[1] === 'good')).toBe(true)
    // Images are PNG of the frame size; masks are 0/255 with something in them.
    const manifest = readJson<Manifest>(join(out, 'manifest.json'))
    for (const f of manifest.frames) {
      const meta = await sharp(join(out, f.files[0]!)).metadata()
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 180, 320])
      if (f.files[1]) {
        const m = await readClassMask(readFileSync(join(out, f.files[1])))
        const values = new Set(m.data)
        expect([...values].sort((x, y) => x - y)).toEqual([0, 255])
      }
      // Normal frames follow the split: train -> train/good, val and test -> test/good.
      if (f.files[0]!.includes('/good/')) expect(f.files[0]!.startsWith(f.split === 'train' ? 'train/good/' : 'test/good/')).toBe(true)
    }
    expect(summary.frames).toBe(manifest.frames.length)
    expect(summary.warnings).toEqual([])
  })

  it('refuses to run without writing the images, and leaves out frames that are neither normal nor defective', async () => {
    const { ws, dir } = await hand()
    expect(() => previewExport(ws, { format: 'mvtec', out: join(dir, 'x'), copyImages: false })).toThrow(/always writes them/)
    const preview = previewExport(ws, { format: 'mvtec', out: join(dir, 'x') })
    expect(preview.files).toEqual({ 'test/fold': 2, 'ground_truth/fold': 2, 'train/good': 1, 'test/edge_crack': 1, 'ground_truth/edge_crack': 1, '.': 1 })
    expect(preview.labels).toBe(4)
  })
})

describe('export: the output folder', () => {
  it('refuses folders among the frames or around the workspace, and non-empty ones', async () => {
    const { ws, dir, images } = await hand()
    const problem = (opts: Partial<ExportOptions>): string | undefined => previewExport(ws, { format: 'coco', out: join(dir, 'out'), ...opts }).outProblem
    expect(problem({ out: join(images, 'D01', 'exports') })).toMatch(/inside the image folder/)
    expect(problem({ out: dir })).toMatch(/holds the image folder/)
    expect(problem({ out: join(ws.dir, 'cache', 'x') })).toMatch(/workspace's cache folder/)
    mkdirSync(join(dir, 'busy'))
    writeFileSync(join(dir, 'busy', 'notes.txt'), 'mine')
    expect(problem({ out: join(dir, 'busy') })).toMatch(/is not empty/)
    expect(problem({ out: join(dir, 'busy'), overwrite: true })).toMatch(/overwrite only replaces a previous Defect Studio export/)
    await expect(runExport(ws, { format: 'coco', out: join(dir, 'busy') })).rejects.toThrow(/is not empty/)
    expect(readdirSync(join(dir, 'busy'))).toEqual(['notes.txt'])
    // The preview writes nothing, not even the folder.
    expect(problem({ out: join(dir, 'fresh') })).toBeUndefined()
    expect(existsSync(join(dir, 'fresh'))).toBe(false)
  })

  it('replaces a previous export only with overwrite, removing just the files it listed', async () => {
    const { ws, dir } = await hand()
    const out = join(dir, 'masks')
    await runExport(ws, { format: 'masks', out })
    writeFileSync(join(out, 'defects', 'my-notes.txt'), 'keep me')
    expect(previewExport(ws, { format: 'masks', out }).outProblem).toMatch(/holds a previous export/)
    // Fewer frames this time: the stale masks of the others go, the user's file stays.
    await runExport(ws, { format: 'masks', out, overwrite: true, filter: { views: ['D01'] } })
    expect(tree(out)).toEqual([
      'defects/D01/a.png',
      'defects/D01/b.png',
      'defects/classes.txt',
      'defects/my-notes.txt',
      'manifest.json',
      'regions/D01/a.png',
      'regions/D01/b.png',
      'regions/classes.txt'
    ])
  })

  it('never writes a path that leaves the export folder', () => {
    const dir = scratch()
    const w = new ExportWriter(dir)
    for (const bad of ['../x.png', 'a/../../x.png', '/etc/passwd', 'C:\\x.png', '..\\..\\x', '']) expect(() => w.resolve(bad)).toThrow(/refused/)
    expect(w.resolve('a/./b.png')).toBe(join(dir, 'a', 'b.png'))
  })

  it('leaves out a frame whose stored path escapes its root or whose file changed since import', async () => {
    const { ws, dir, images } = await hand()
    ws.db.prepare("UPDATE images SET rel_path = '../../../etc/passwd' WHERE rel_path = 'D01/b.png'").run()
    writeFileSync(join(images, 'D02/d.png'), await sharp({ create: { width: 60, height: 40, channels: 3, background: '#000' } }).png().toBuffer())
    const out = join(dir, 'coco')
    const summary = await runExport(ws, { format: 'coco', out, copyImages: true })
    expect(summary.skipped).toEqual(
      expect.arrayContaining([
        { path: '../../../etc/passwd', reason: 'its stored path leaves its image root; refused' },
        { path: 'D02/d.png', reason: expect.stringMatching(/changed since it was imported/) }
      ])
    )
    expect(tree(out)).toEqual(['annotations.json', 'images/D01/a.png', 'images/D03/e.png', 'manifest.json'])
    const doc = readJson<{ images: { file_name: string }[] }>(join(out, 'annotations.json'))
    expect(doc.images.map((i) => i.file_name)).toEqual(['D01/a.png', 'D03/e.png'])
  })
})

describe('export: filters, progress and cancel', () => {
  it('exports the frames the filter selects, by view, split, class and status', async () => {
    const { ws, dir } = await hand()
    const edge = listClasses(ws).find((c) => c.name === 'edge_crack')!.id
    const p = (filter: ExportOptions['filter']): number => previewExport(ws, { format: 'coco', out: join(dir, 'o'), ...(filter ? { filter } : {}) }).frames
    expect(p(undefined)).toBe(4)
    expect(p({ views: ['D01'] })).toBe(2)
    expect(p({ splits: ['val'] })).toBe(1) // c.png is val too, but unlabeled
    expect(p({ classIds: [edge] })).toBe(2)
    expect(p({ statuses: ['normal'] })).toBe(1)
  })

  it('reports progress, and a cancelled export writes nothing (an existing export stays as it was)', async () => {
    const { ws, dir } = await hand()
    const out = join(dir, 'coco')
    const cancelAfterOne = (): { signal: AbortSignal; onProgress: (p: { done: number }) => void; seen: number[] } => {
      const controller = new AbortController()
      const seen: number[] = []
      return {
        signal: controller.signal,
        seen,
        onProgress: (p) => {
          seen.push(p.done)
          if (p.done === 1) controller.abort()
        }
      }
    }
    const first = cancelAfterOne()
    const partial = await runExport(ws, { format: 'coco', out, copyImages: true }, first)
    expect(partial.cancelled).toBe(true)
    expect(partial.frames).toBe(1)
    expect(partial.written).toBe(0)
    expect(first.seen).toEqual([0, 1])
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(dir).filter((n) => n.startsWith('coco'))).toEqual([])
    const full = await runExport(ws, { format: 'coco', out, copyImages: true })
    expect(full.cancelled).toBe(false)
    expect(full.frames).toBe(4)
    const before = tree(out).map((f) => [f, readFileSync(join(out, f), 'utf8')])
    const again = await runExport(ws, { format: 'coco', out, copyImages: true, overwrite: true, filter: { views: ['D01'] } }, cancelAfterOne())
    expect(again.cancelled).toBe(true)
    expect(tree(out).map((f) => [f, readFileSync(join(out, f), 'utf8')])).toEqual(before)
    expect(readdirSync(dir).filter((n) => n.startsWith('coco'))).toEqual(['coco'])
  })
})
