/**
 * Content decides the format: sniffed formats, multi-page TIFF, symbolic
 * links, and sizes read from headers before anything is decoded.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { crc32, createDeflate } from 'node:zlib'
import sharp, { type Sharp } from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { queryImages } from '../images'
import { readClassMask } from '../imaging/maskPng'
import { judgeFormat, sniffFormat } from '../../../shared/node/imaging/sniff'
import { Workspace } from '../workspace'
import { tempDir } from '../../test/fixtures'
import { importFolder } from './runImport'

const ROOT = resolve(__dirname, '../../../..')
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

function setup(): { ws: Workspace; root: string; src: string } {
  const t = tempDir('ds-content-')
  cleanups.push(t.cleanup)
  const ws = Workspace.create(join(t.dir, 'ws'))
  cleanups.unshift(() => ws.close())
  const src = join(t.dir, 'frames')
  mkdirSync(src)
  return { ws, root: t.dir, src }
}

const solid = (shade: number, w = 40, h = 30): Sharp => sharp({ create: { width: w, height: h, channels: 3, background: { r: shade, g: 100, b: 50 } } })

describe('file formats by content', () => {
  it('sniffs the six formats from their first bytes', async () => {
    expect(sniffFormat(await solid(1).png().toBuffer())).toBe('png')
    expect(sniffFormat(await solid(1).jpeg().toBuffer())).toBe('jpeg')
    expect(sniffFormat(await solid(1).tiff().toBuffer())).toBe('tiff')
    expect(sniffFormat(await solid(1).gif().toBuffer())).toBe('gif')
    expect(sniffFormat(await solid(1).webp().toBuffer())).toBe('webp')
    expect(sniffFormat(Buffer.from('BM\0\0'))).toBe('bmp')
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull()
    expect(judgeFormat('a.tif', await solid(1).tiff().toBuffer())).toEqual({ format: 'tiff' })
  })

  it('a GIF or WebP named .png is refused as what it is; a JPEG named .png imports as JPEG with a note; an SVG is not read', async () => {
    const { ws, src } = setup()
    await solid(1).gif().toFile(join(src, 'anim.png'))
    await solid(2).webp().toFile(join(src, 'photo.png'))
    await solid(3).jpeg().toFile(join(src, 'really-jpeg.png'))
    await solid(4).png().toFile(join(src, 'plain.png'))
    writeFileSync(join(src, 'drawing.png'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    const s = await importFolder(ws, { folder: src })
    expect(s.imported).toBe(2)
    const failed = Object.fromEntries(s.failed.map((f) => [f.path, f.reason]))
    expect(failed['anim.png']).toBe('is a GIF named .png; GIF files are not read (JPEG, PNG, BMP or TIFF): convert it to PNG')
    expect(failed['photo.png']).toBe('is a WebP named .png; WebP files are not read (JPEG, PNG, BMP or TIFF): convert it to PNG')
    expect(failed['drawing.png']).toBe('not an image this app reads (JPEG, PNG, BMP or TIFF expected)')
    expect(s.notes).toEqual([{ path: 'really-jpeg.png', reason: 'is a JPEG named .png; read as JPEG' }])
    expect(queryImages(ws, {}, 0, 10).items.map((i) => i.relPath).sort()).toEqual(['plain.png', 'really-jpeg.png'])
  })

  it('a multi-page TIFF imports page 1 and the summary says pages 2+ were ignored', async () => {
    const { ws, src } = setup()
    const [w, h] = [20, 10]
    const raw = Buffer.alloc(w * h * 3 * 3)
    for (let p = 0; p < 3; p++) raw.fill(60 * (p + 1), p * w * h * 3, (p + 1) * w * h * 3)
    await sharp(raw, { raw: { width: w, height: h * 3, channels: 3, pageHeight: h } }).tiff().toFile(join(src, 'stack.tif'))
    await solid(9).tiff().toFile(join(src, 'single.tif'))
    const s = await importFolder(ws, { folder: src })
    expect(s.imported).toBe(2)
    expect(s.notes).toEqual([{ path: 'stack.tif', reason: 'TIFF with 3 pages: page 1 imported, pages 2-3 ignored' }])
    const stack = queryImages(ws, {}, 0, 10).items.find((i) => i.relPath === 'stack.tif')!
    expect([stack.width, stack.height]).toEqual([20, 10])
  })
})

describe('symbolic links', () => {
  it('links to files are followed, links to folders are listed as skipped, broken and looping links say so, nothing hangs', async () => {
    const { ws, root, src } = setup()
    const outside = join(root, 'elsewhere')
    mkdirSync(outside)
    await solid(1).png().toFile(join(src, 'real.png'))
    await solid(2).png().toFile(join(outside, 'target.png'))
    await solid(3).png().toFile(join(outside, 'in-linked-folder.png'))
    symlinkSync(join(outside, 'target.png'), join(src, 'linked.png'))
    symlinkSync(outside, join(src, 'linked-folder'))
    // A link to its own folder would recurse forever if followed.
    symlinkSync('.', join(src, 'loop'))
    symlinkSync('b.png', join(src, 'a.png'))
    symlinkSync('a.png', join(src, 'b.png'))
    symlinkSync('nowhere.png', join(src, 'dangling.png'))
    const s = await importFolder(ws, { folder: src })
    expect(s.imported).toBe(2)
    expect(queryImages(ws, {}, 0, 10).items.map((i) => i.relPath).sort()).toEqual(['linked.png', 'real.png'])
    const skipped = Object.fromEntries((s.skipped ?? []).map((f) => [f.path, f.reason]))
    expect(Object.keys(skipped).sort()).toEqual(['a.png', 'b.png', 'dangling.png', 'linked-folder', 'loop'])
    expect(skipped['linked-folder']).toMatch(/^link to a folder: not followed/)
    expect(skipped['loop']).toMatch(/^link to a folder: not followed/)
    expect(skipped['a.png']).toBe('broken link (it points to itself through other links)')
    expect(skipped['dangling.png']).toBe('broken link (its target does not exist)')
    expect(s.failed).toEqual([])
  })
})

/**
 * A valid 8-bit grey PNG of zeros whose header declares width x height:
 * deflated row by row, so building it costs no more memory than a row.
 */
async function zeroPng(width: number, height: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 })
  const parts: Buffer[] = []
  deflate.on('data', (d: Buffer) => parts.push(d))
  const done = new Promise((res) => deflate.on('end', res))
  const rows = Buffer.alloc((width + 1) * 200)
  for (let y = 0; y < height; y += 200) {
    const n = Math.min(200, height - y)
    if (!deflate.write(rows.subarray(0, (width + 1) * n))) await new Promise((res) => deflate.once('drain', res))
  }
  deflate.end()
  await done
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // depth
  ihdr[9] = 0 // grey
  return png([chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))])
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(body.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0)
  return Buffer.concat([head, body, crc])
}

function png(chunks: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks])
}

describe('sizes are read from headers before decoding', () => {
  it('a mask declaring 16000x16000 beside a 40x30 frame is refused from its header', async () => {
    const mask = await zeroPng(16000, 16000)
    // The point of the fixture: a small file that would be a quarter of a gigabyte decoded.
    expect(mask.length).toBeLessThan(400_000)
    await expect(readClassMask(mask, { width: 40, height: 30 })).rejects.toThrow('mask is 16000x16000 but its image is 40x30')
    const small = await zeroPng(40, 30)
    await expect(readClassMask(small, { width: 40, height: 30 })).resolves.toMatchObject({ width: 40, height: 30 })
  })

  it('eight masks declaring 16000x16000 and eight frames declaring 20000x20000 are refused with their reasons, peak memory well under 200 MB', async () => {
    const { root, src } = setup()
    const masks = join(root, 'masks')
    mkdirSync(masks)
    const mask = await zeroPng(16000, 16000)
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(20000, 0)
    ihdr.writeUInt32BE(20000, 4)
    ihdr[8] = 8
    ihdr[9] = 2
    for (let i = 0; i < 8; i++) {
      await solid(10 * i).png().toFile(join(src, `f${i}.png`))
      writeFileSync(join(masks, `f${i}.png`), mask)
      // Distinct bytes (a text chunk) so no frame is skipped as a duplicate before its header is read.
      writeFileSync(join(src, `huge${i}.png`), png([chunk('IHDR', ihdr), chunk('tEXt', Buffer.from(`n\0${i}`)), chunk('IDAT', Buffer.alloc(64)), chunk('IEND', Buffer.alloc(0))]))
    }
    // A fresh process, so its peak resident size is this import's and nothing else's.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/test/importMemoryChild.ts'), src, masks, join(root, 'ws2')], {
      cwd: ROOT,
      encoding: 'utf8'
    })
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as { imported: number; failed: { path: string; reason: string }[]; labelFailed: { path: string; reason: string }[]; peakGrowthMb: number }
    expect(out.imported).toBe(8)
    expect(out.failed).toHaveLength(8)
    for (const f of out.failed) expect(f.reason).toBe('image is 20000x20000 (400 Mpx), over the 268 Mpx limit')
    expect(out.labelFailed).toHaveLength(8)
    for (const f of out.labelFailed) expect(f.reason).toBe('mask is 16000x16000 but its image is 40x30')
    expect(out.peakGrowthMb).toBeLessThan(200)
  })
})
