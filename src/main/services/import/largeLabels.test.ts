/**
 * Label files far bigger than any real one: they once aborted the whole
 * import with "Maximum call stack size exceeded" (an input-sized array spread
 * into push), and took the good images in the same folder down with them.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
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

const setup = () => importSetup(cleanups)

async function png(file: string, seed: number, width: number, height: number): Promise<void> {
  const raw = Buffer.alloc(width * height)
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 13 + seed * 71) & 255
  writeFileSync(file, await sharp(raw, { raw: { width, height, channels: 1 } }).png().toBuffer())
}

const labelme = (image: string, width: number, height: number, shapes: unknown[]): string =>
  JSON.stringify({ version: '5.4.1', flags: {}, shapes, imagePath: image, imageData: null, imageWidth: width, imageHeight: height })

describe('import of huge label files', () => {
  it('a labelme file with 200,000 shapes does not abort the import: the other images and labels arrive', async () => {
    const { ws, src } = setup()
    await png(join(src, 'big.png'), 1, 600, 400)
    await png(join(src, 'good.png'), 2, 60, 40)
    const shapes: unknown[] = []
    for (let k = 0; k < 200_000; k++) {
      const x = (k % 500) + 0.5
      const y = Math.floor(k / 500) % 380
      shapes.push({ label: 'fold', shape_type: 'polygon', points: [[x, y], [x + 1, y], [x + 1, y + 1]], group_id: null, flags: {} })
    }
    writeFileSync(join(src, 'big.json'), labelme('big.png', 600, 400, shapes))
    writeFileSync(
      join(src, 'good.json'),
      labelme('good.png', 60, 40, [{ label: 'fold', shape_type: 'polygon', points: [[5, 5], [30, 5], [30, 20], [5, 20]], group_id: null, flags: {} }])
    )
    const s = await importFolder(ws, { folder: src, labelme: true, normal: true })
    expect(JSON.stringify(s)).not.toMatch(/call stack/i)
    expect(s.imported).toBe(2)
    expect(s.labels.failed).toEqual([{ path: 'big.json', reason: expect.stringMatching(/200,000 shapes .* at most 5,000/) }])
    // Its labels were refused, so it is not normal either, even in a --normal import.
    expect(queryImages(ws, {}, 0, 10).items.find((i) => i.relPath === 'big.png')!.status).toBe('unlabeled')
    const good = queryImages(ws, {}, 0, 10).items.find((i) => i.relPath === 'good.png')!
    const fold = listClasses(ws).find((c) => c.name === 'fold')!
    expect(listLabels(ws, good.id).map((l) => [l.classId, l.points.length])).toEqual([[fold.id, 8]])
  }, 120_000)

  it('a mask with 160,000 separate specks does not abort the import', async () => {
    const { ws, src, root } = setup()
    const masks = join(root, 'masks')
    mkdirSync(masks)
    const W = 800
    const H = 800
    await png(join(src, 'specks.png'), 3, W, H)
    await png(join(src, 'good.png'), 4, 64, 48)
    const specks = Buffer.alloc(W * H)
    for (let y = 0; y < H; y += 2) for (let x = 0; x < W; x += 2) specks[y * W + x] = 1
    writeFileSync(join(masks, 'specks.png'), await sharp(specks, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer())
    const block = Buffer.alloc(64 * 48)
    for (let y = 10; y < 30; y++) for (let x = 10; x < 40; x++) block[y * 64 + x] = 1
    writeFileSync(join(masks, 'good.png'), await sharp(block, { raw: { width: 64, height: 48, channels: 1 } }).png().toBuffer())
    const s = await importFolder(ws, { folder: src, masks: [masks], maskClasses: ['fold'] })
    expect(JSON.stringify(s)).not.toMatch(/call stack/i)
    expect(s.imported).toBe(2)
    expect(s.labels.failed).toEqual([{ path: 'specks.png', reason: expect.stringMatching(/160,000 shapes/) }])
    expect(queryImages(ws, {}, 0, 10).items.find((i) => i.relPath === 'specks.png')!.status).toBe('unlabeled')
    const good = queryImages(ws, {}, 0, 10).items.find((i) => i.relPath === 'good.png')!
    expect(listLabels(ws, good.id)).toHaveLength(1)
  }, 120_000)

  it('a polygon over the vertex budget is simplified on import, said so, and can be saved again', async () => {
    const { ws, src } = setup()
    await png(join(src, 'ring.png'), 5, 400, 400)
    // A circle of 30,000 vertices: over the 20,000 a polygon may have.
    const ring: number[][] = []
    for (let k = 0; k < 30_000; k++) {
      const a = (2 * Math.PI * k) / 30_000
      ring.push([200 + 150 * Math.cos(a), 200 + 150 * Math.sin(a)])
    }
    writeFileSync(join(src, 'ring.json'), labelme('ring.png', 400, 400, [{ label: 'fold', shape_type: 'polygon', points: ring, group_id: null, flags: {} }]))
    const s = await importFolder(ws, { folder: src, labelme: true })
    expect(s.labels.failed).toEqual([{ path: 'ring.png', reason: expect.stringMatching(/30,000 points was simplified to [\d,]+ \(the limit is 20,000\)/) }])
    const img = queryImages(ws, {}, 0, 10).items[0]!
    const [label] = listLabels(ws, img.id)
    expect(label!.points.length / 2).toBeLessThanOrEqual(20_000)
    // The shape survives: every stored vertex lies on the circle to within a pixel.
    for (let k = 0; k < label!.points.length; k += 2) {
      expect(Math.abs(Math.hypot(label!.points[k]! - 200, label!.points[k + 1]! - 200) - 150)).toBeLessThan(1)
    }
    // What import stored, the contract's labels.save accepts again unchanged (it refused 30,000 points before).
    const labels = listLabels(ws, img.id).map((l) => ({ id: l.id, classId: l.classId, points: l.points }))
    expect(argSchemas['labels.save'].safeParse({ imageId: img.id, labels }).success).toBe(true)
    expect(argSchemas['labels.save'].safeParse({ imageId: img.id, labels: [{ classId: labels[0]!.classId, points: ring.flat() }] }).success).toBe(false)
  })
})
