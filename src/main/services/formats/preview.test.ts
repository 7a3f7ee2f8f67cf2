/**
 * import.preview lists every mask value with its pixels and masks, and the
 * import then follows the dialog's explicit value mapping. Counts are checked
 * against the test's own pixel counting of the masks it wrote, and the
 * magnetic-tile preview against the data set's index.csv.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeIndexedPng, importSetup } from '../../test/fixtures'
import { queryImages } from '../images'
import { importFolder } from '../import/runImport'
import type { Workspace } from '../workspace'
import { spreadOrder } from './maskPreview'
import { previewImport } from './preview'

const W = 40
const H = 30

/** A deterministic mask: a few rectangles of the given values, so each value's pixel count is known by counting. */
function makeMask(seed: number, values: number[]): Uint8Array {
  const m = new Uint8Array(W * H)
  values.forEach((v, k) => {
    const x0 = (seed * 7 + k * 11) % (W - 8)
    const y0 = (seed * 5 + k * 9) % (H - 6)
    const w = 3 + ((seed + k) % 5)
    const h = 2 + ((seed * 3 + k) % 4)
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) m[y * W + x] = v
  })
  return m
}

async function writeFrame(path: string, seed: number): Promise<void> {
  await sharp({ create: { width: W, height: H, channels: 3, background: { r: seed * 17 % 256, g: seed * 29 % 256, b: 90 } } })
    .png()
    .toFile(path)
}

interface Written {
  masks: string
  /** value -> [pixels, masks holding it], counted here from the written arrays. */
  expected: Map<number, [number, number]>
}

const LAYOUT: number[][] = [[1], [1, 3], [3, 7], [200], [1, 7, 200], []]

async function writeDataset(src: string, root: string, layout = LAYOUT): Promise<Written> {
  const masks = join(root, 'masks')
  mkdirSync(masks, { recursive: true })
  const expected = new Map<number, [number, number]>()
  for (let i = 0; i < layout.length; i++) {
    await writeFrame(join(src, `f${i}.png`), i + 1)
    const m = makeMask(i + 1, layout[i]!)
    writeFileSync(join(masks, `f${i}.png`), encodeIndexedPng(m, W, H, i % 2 === 0))
    const counts = new Map<number, number>()
    for (const v of m) if (v) counts.set(v, (counts.get(v) ?? 0) + 1)
    for (const [v, n] of counts) {
      const e = expected.get(v) ?? [0, 0]
      expected.set(v, [e[0] + n, e[1] + 1])
    }
  }
  // A mask no image pairs with: not part of this import, so not counted.
  writeFileSync(join(masks, 'orphan.png'), encodeIndexedPng(new Uint8Array(W * H).fill(9), W, H))
  return { masks, expected }
}

function rows(ws: Workspace, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  return ws.db.prepare(sql).all(...params) as Record<string, unknown>[]
}

describe('import.preview of class-index masks', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    while (cleanups.length) cleanups.shift()!()
  })

  it('lists every value with the pixels and masks the test counted, unnamed when the folder names nothing', async () => {
    const { ws, src, root } = importSetup(cleanups)
    const { masks, expected } = await writeDataset(src, root)
    const p = await previewImport(ws, { folder: src, masks })
    expect(p.images).toBe(LAYOUT.length)
    expect(p.maskFolders).toHaveLength(1)
    const f = p.maskFolders[0]!
    expect(f).toMatchObject({ folder: resolve(masks), masks: LAYOUT.length, read: LAYOUT.length, sampled: false, namesFrom: null, unreadable: 0 })
    expect(f.values.map((v) => [v.value, v.pixels, v.files])).toEqual([...expected.entries()].sort((a, b) => a[0] - b[0]).map(([v, [px, n]]) => [v, px, n]))
    expect(f.values.every((v) => v.name === null)).toBe(true)
    expect(f.values.map((v) => v.value)).not.toContain(9)
    // Nothing was written: the preview only reads.
    expect(rows(ws, 'SELECT count(*) AS n FROM images')[0]!.n).toBe(0)
  })

  it('takes names from classes.txt, kinds from an export manifest above the folder, and the given maskClasses over both', async () => {
    const { ws, src, root } = importSetup(cleanups)
    const { masks } = await writeDataset(src, root)
    writeFileSync(join(masks, 'classes.txt'), ['background', 'pit', '', 'scale'].join('\n') + '\n')
    writeFileSync(join(root, 'manifest.json'), JSON.stringify({ classes: [{ value: 1, name: 'pit', kind: 'region' }, { value: 3, name: 'scale', kind: 'defect' }] }))
    const p = await previewImport(ws, { folder: src, masks })
    const byValue = new Map(p.maskFolders[0]!.values.map((v) => [v.value, v]))
    expect(p.maskFolders[0]!.namesFrom).toBe('classes.txt')
    expect(byValue.get(1)).toMatchObject({ name: 'pit', kind: 'region' })
    expect(byValue.get(3)).toMatchObject({ name: 'scale', kind: 'defect' })
    expect(byValue.get(7)!.name).toBeNull()
    expect(byValue.get(200)!.name).toBeNull()
    const given = await previewImport(ws, { folder: src, masks, maskClasses: ['a', 'b', 'c'] })
    expect(given.maskFolders[0]!.namesFrom).toBe('maskClasses')
    expect(given.maskFolders[0]!.values.map((v) => v.name)).toEqual(['a', 'c', null, null])
  })

  it('reads an evenly spread sample of a large folder and says so', async () => {
    const { ws, src, root } = importSetup(cleanups)
    const { masks } = await writeDataset(src, root)
    const p = await previewImport(ws, { folder: src, masks }, { maxMasks: 3, maxMs: 60_000 })
    expect(p.maskFolders[0]).toMatchObject({ masks: LAYOUT.length, read: 3, sampled: true })
    // Masks 0, 4 and 2 of six (the spread order), which hold values 1, 3, 7 and 200.
    expect(p.maskFolders[0]!.values.map((v) => v.value)).toEqual([1, 3, 7, 200])
  })

  it('spreadOrder visits every index once, each prefix spread over the range', () => {
    for (const n of [0, 1, 2, 3, 5, 8, 13, 100]) {
      const order = [...spreadOrder(n)]
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
    }
    expect([...spreadOrder(8)]).toEqual([0, 4, 2, 6, 1, 3, 5, 7])
  })

  it('imports with the value mapping: new classes with their kinds, an existing class, a skipped value; the summary names its batch', async () => {
    const { ws, src, root } = importSetup(cleanups)
    const { masks, expected } = await writeDataset(src, root)
    // Import an unrelated frame first, so the batch filter has something to leave out.
    const other = join(root, 'other')
    mkdirSync(other)
    await writeFrame(join(other, 'x.png'), 99)
    await importFolder(ws, { folder: other })

    const summary = await importFolder(ws, {
      folder: src,
      masks,
      valueMap: [
        { value: 1, to: 'Pit' },
        { value: 3, to: 'FOLD' },
        { value: 7, skip: true },
        { value: 200, to: 'Bed' }
      ],
      newClasses: [
        { name: 'Pit', kind: 'defect' },
        { name: 'Bed', kind: 'region' }
      ]
    })
    expect(summary.failed).toEqual([])
    expect(summary.labels.failed).toEqual([])
    const classes = new Map(rows(ws, 'SELECT name, kind FROM classes').map((r) => [r.name, r.kind]))
    expect(classes.get('Pit')).toBe('defect')
    expect(classes.get('Bed')).toBe('region')
    expect(classes.has('FOLD')).toBe(false)
    // Frames per class, from the labels the import stored.
    const labelled = new Map(
      rows(ws, 'SELECT c.name AS name, count(DISTINCT l.image_id) AS frames FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.deleted_at IS NULL GROUP BY c.name').map(
        (r) => [r.name, r.frames]
      )
    )
    expect(labelled.get('Pit')).toBe(expected.get(1)![1])
    expect(labelled.get('fold')).toBe(expected.get(3)![1])
    expect(labelled.get('Bed')).toBe(expected.get(200)![1])
    expect(labelled.size).toBe(3)
    // The batch filter holds exactly this import's frames.
    expect(summary.importId).toBeGreaterThan(0)
    const batch = rows(ws, 'SELECT id FROM images WHERE import_id = ? ORDER BY id', summary.importId).map((r) => r.id)
    expect(batch).toHaveLength(LAYOUT.length)
    const page = queryImages(ws, { importId: summary.importId! }, 0, 100)
    expect(page.total).toBe(LAYOUT.length)
    expect(page.items.map((i) => i.id).sort((a, b) => a - b)).toEqual(batch)
  })

  it('reports a value the mapping leaves unnamed, and imports the rest', async () => {
    const { ws, src, root } = importSetup(cleanups)
    const { masks, expected } = await writeDataset(src, root)
    const summary = await importFolder(ws, { folder: src, masks, valueMap: [{ value: 1, to: 'Pit' }, { value: 3, skip: true }, { value: 7, skip: true }] })
    const unnamed = summary.labels.failed.filter((f) => /mask value 200 \((\d+) px\) has no class/.test(f.reason))
    expect(unnamed).toHaveLength(expected.get(200)![1])
    const px = unnamed.reduce((s, f) => s + Number(/\((\d+) px\)/.exec(f.reason)![1]), 0)
    expect(px).toBe(expected.get(200)![0])
    expect(rows(ws, "SELECT count(DISTINCT l.image_id) AS n FROM labels l JOIN classes c ON c.id = l.class_id WHERE c.name = 'Pit'")[0]!.n).toBe(expected.get(1)![1])
  })

  it('a frame whose labels were all skipped is unlabelled, not normal (unless the import says the frames are normal)', async () => {
    const { ws, src, root } = importSetup(cleanups)
    const { masks } = await writeDataset(src, root)
    const map = [{ value: 1, to: 'Pit' }, { value: 3, to: 'Pit' }, { value: 7, to: 'Pit' }, { value: 200, skip: true as const }]
    await importFolder(ws, { folder: src, masks, valueMap: map })
    const status = new Map(rows(ws, 'SELECT rel_path, status FROM images').map((r) => [r.rel_path, r.status]))
    // f3 holds only the skipped value; f5's mask is all zero.
    expect(status.get('f3.png')).toBe('unlabeled')
    expect(status.get('f5.png')).toBe('normal')
    expect(status.get('f4.png')).toBe('labeled')

    const labelme = join(root, 'lm')
    mkdirSync(labelme)
    await writeFrame(join(labelme, 'a.png'), 41)
    await writeFrame(join(labelme, 'b.png'), 42)
    const shape = (label: string) => ({ label, shape_type: 'polygon', points: [[2, 2], [10, 2], [10, 8]] })
    writeFileSync(join(labelme, 'a.json'), JSON.stringify({ shapes: [shape('dust')] }))
    writeFileSync(join(labelme, 'b.json'), JSON.stringify({ shapes: [shape('dust'), shape('Pit')] }))
    const s = await importFolder(ws, { folder: labelme, labelme: true, classMap: [{ from: 'dust', to: '' }] })
    expect(s.labels.dropped).toBe(2)
    const lm = new Map(rows(ws, 'SELECT rel_path, status FROM images WHERE import_id = ?', s.importId).map((r) => [r.rel_path, r.status]))
    expect(lm).toEqual(new Map([['a.png', 'unlabeled'], ['b.png', 'labeled']]))

    const again = join(root, 'again')
    mkdirSync(again)
    await writeFrame(join(again, 'c.png'), 43)
    writeFileSync(join(again, 'c.json'), JSON.stringify({ shapes: [shape('dust')] }))
    const n = await importFolder(ws, { folder: again, labelme: true, normal: true, classMap: [{ from: 'dust', to: '' }] })
    expect(rows(ws, 'SELECT status FROM images WHERE import_id = ?', n.importId)).toEqual([{ status: 'normal' }])
  })

  it('still refuses masks nobody named, before anything is written', async () => {
    const { ws, src, root } = importSetup(cleanups)
    const { masks } = await writeDataset(src, root)
    await expect(importFolder(ws, { folder: src, masks })).rejects.toThrow(/without class names/)
    expect(rows(ws, 'SELECT count(*) AS n FROM images')[0]!.n).toBe(0)
  })

  it('counts labelme names by shapes and files', async () => {
    const { ws, src } = importSetup(cleanups)
    const shapes = (labels: string[]) => ({
      shapes: labels.map((label) => ({ label, shape_type: 'polygon', points: [[2, 2], [10, 2], [10, 8]] }))
    })
    const files: Record<string, string[]> = { a: ['scratch', 'scratch', 'pit'], b: ['pit'], c: ['scratch'] }
    let seed = 1
    for (const [stem, labels] of Object.entries(files)) {
      await writeFrame(join(src, `${stem}.png`), seed++)
      writeFileSync(join(src, `${stem}.json`), JSON.stringify(shapes(labels)))
    }
    const p = await previewImport(ws, { folder: src, labelme: true })
    expect(p.labelNames).toEqual([
      { name: 'pit', shapes: 2, files: 2 },
      { name: 'scratch', shapes: 3, files: 2 }
    ])
  })
})

describe('import.preview of ../shared/datasets/magnetic-tile', () => {
  const DATA = resolve(__dirname, '../../../../../shared/datasets/magnetic-tile')
  const cleanups: (() => void)[] = []
  afterEach(() => {
    while (cleanups.length) cleanups.shift()!()
  })

  it('finds the five class values with the pixels and masks index.csv lists, in a few seconds', async () => {
    const { ws } = importSetup(cleanups)
    const oracle = new Map<number, [number, number]>()
    const lines = readFileSync(join(DATA, 'index.csv'), 'utf8').trim().split('\n').slice(1)
    for (const line of lines) {
      const [, , id, , , px] = line.split(',')
      if (Number(id) === 0 || Number(px) === 0) continue
      const e = oracle.get(Number(id)) ?? [0, 0]
      oracle.set(Number(id), [e[0] + Number(px), e[1] + 1])
    }
    const p = await previewImport(ws, { folder: join(DATA, 'images'), masks: join(DATA, 'masks') })
    expect(p.images).toBe(284)
    const f = p.maskFolders[0]!
    expect(f).toMatchObject({ masks: 284, read: 284, sampled: false, namesFrom: null })
    expect(f.values.map((v) => [v.value, v.pixels, v.files])).toEqual([1, 2, 3, 4, 5].map((v) => [v, ...oracle.get(v)!]))
    expect(p.seconds).toBeLessThan(5)
  }, 60_000)
})
