/**
 * Main (the bytes the editor is sent for a frame) and ml (decodeFrame, run
 * in a process of its own like the real ML process) give identical pixels,
 * and both match what the test wrote into the files: alpha flattened onto
 * black, 16-bit samples to their high byte, EXIF orientation applied, TIFF.
 * Main's output is read back with pngOracle, not sharp; ml's decoder is
 * reached through a child process, since main does not import ml.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { deflateSync } from 'node:zlib'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../test/fixtures'
import { frameImage } from './frames'
import { readPngOracle } from './pngOracle'

const ROOT = resolve(__dirname, '../../../..')
const ML_DECODE = pathToFileURL(join(ROOT, 'src/ml/data/decode.ts')).href
const { dir, cleanup } = tempDir('ds-same-pixels-')
afterAll(cleanup)

interface Rgb {
  width: number
  height: number
  data: Uint8Array
}

/** ml's decodeFrame on each file, in a child process. */
function mlDecode(files: string[]): Rgb[] {
  const script = `
    const m = await import(${JSON.stringify(ML_DECODE)}); const decodeFrame = m.decodeFrame ?? m.default.decodeFrame
    const out = []
    for (const f of ${JSON.stringify(files)}) {
      const fr = await decodeFrame(f)
      out.push({ width: fr.width, height: fr.height, channels: fr.channels, data: Buffer.from(fr.data).toString('base64') })
    }
    process.stdout.write(JSON.stringify(out))`
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`ml decode failed: ${run.stderr}`)
  return (JSON.parse(run.stdout) as { width: number; height: number; channels: number; data: string }[]).map((f) => {
    expect(f.channels).toBe(3)
    return { width: f.width, height: f.height, data: new Uint8Array(Buffer.from(f.data, 'base64')) }
  })
}

/** main's frame bytes, decoded by the oracle (never sharp) to RGB. */
async function mainDecode(file: string, n: number): Promise<Rgb> {
  const img = await frameImage(n, file, `hash${n}`.padEnd(64, '0'), join(dir, 'cache'))
  expect(img.mime).toBe('image/png')
  const png = readPngOracle(img.data)
  expect(png.colourType).toBe(2)
  expect([png.width, png.height]).toEqual([img.width, img.height])
  return { width: png.width, height: png.height, data: png.data }
}

/** A 16-bit PNG written by hand (big-endian samples), so no library decides what is in it. */
function png16(width: number, height: number, channels: 1 | 3, samples: number[], declared = { width, height }): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (b: Buffer): number => {
    let c = 0xffffffff
    for (const x of b) c = crcTable[(c ^ x) & 255]! ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type: string, body: Buffer): Buffer => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(body.length)
    const td = Buffer.concat([Buffer.from(type, 'latin1'), body])
    const c = Buffer.alloc(4)
    c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(declared.width, 0)
  ihdr.writeUInt32BE(declared.height, 4)
  ihdr[8] = 16
  ihdr[9] = channels === 1 ? 0 : 2
  const rows: Buffer[] = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * channels * 2)
    for (let i = 0; i < width * channels; i++) row.writeUInt16BE(samples[y * width * channels + i]!, 1 + 2 * i)
    rows.push(row)
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))])
}

/** A JPEG with an EXIF APP1 segment holding only the orientation tag, inserted after SOI (sharp's withMetadata makes grey RGB). */
function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.alloc(26)
  tiff.write('II*\0', 0, 'latin1')
  tiff.writeUInt32LE(8, 4)
  tiff.writeUInt16LE(1, 8)
  tiff.writeUInt16LE(0x0112, 10)
  tiff.writeUInt16LE(3, 12)
  tiff.writeUInt32LE(1, 14)
  tiff.writeUInt16LE(orientation, 18)
  tiff.writeUInt32LE(0, 22)
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const head = Buffer.from([0xff, 0xe1, 0, 0])
  head.writeUInt16BE(body.length + 2, 2)
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)])
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  return worst
}

describe('one imaging module: main and ml see the same pixels', () => {
  it('RGBA PNG, 16-bit PNG, grey JPEG with EXIF orientation, TIFF', async () => {
    const W = 12
    const H = 8
    const cases: { name: string; expected: Uint8Array; width: number; height: number; lossy?: boolean }[] = []

    // RGBA: alpha from 0 to 255 across the frame; flattened onto black, c * a / 255.
    const rgba = Buffer.alloc(W * H * 4)
    const flat = new Uint8Array(W * H * 3)
    for (let i = 0; i < W * H; i++) {
      const px = [(i * 37) & 255, (i * 11 + 90) & 255, 255 - ((i * 5) & 255), Math.round((i / (W * H - 1)) * 255)]
      rgba.set(px, i * 4)
      for (let c = 0; c < 3; c++) flat[i * 3 + c] = Math.round((px[c]! * px[3]!) / 255)
    }
    await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).png().toFile(join(dir, 'rgba.png'))
    cases.push({ name: 'rgba.png', expected: flat, width: W, height: H })

    // 16-bit RGB: the high byte of each sample.
    const samples = Array.from({ length: W * H * 3 }, (_, i) => (i * 2749 + 17) % 65536)
    writeFileSync(join(dir, 'deep.png'), png16(W, H, 3, samples))
    cases.push({ name: 'deep.png', expected: Uint8Array.from(samples, (v) => v >> 8), width: W, height: H })

    // Grey JPEG stored 32x16 with orientation 6 (turn 90 degrees clockwise to show): shown 16x32, grey in all three channels.
    const SW = 32
    const SH = 16
    const grey = Buffer.alloc(SW * SH)
    for (let y = 0; y < SH; y++) for (let x = 0; x < SW; x++) grey[y * SW + x] = x < SW / 2 ? 40 : 210
    const plain = await sharp(grey, { raw: { width: SW, height: SH, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer()
    writeFileSync(join(dir, 'grey.jpg'), withOrientation(plain, 6))
    expect((await sharp(join(dir, 'grey.jpg')).metadata()).channels).toBe(1)
    const upright = new Uint8Array(SH * SW * 3)
    for (let y = 0; y < SW; y++) for (let x = 0; x < SH; x++) upright.fill(grey[(SH - 1 - x) * SW + y]!, (y * SH + x) * 3, (y * SH + x) * 3 + 3)
    cases.push({ name: 'grey.jpg', expected: upright, width: SH, height: SW, lossy: true })

    // TIFF, LZW: lossless.
    const rgb = Buffer.alloc(W * H * 3)
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 53 + 7) & 255
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).tiff({ compression: 'lzw' }).toFile(join(dir, 'frame.tif'))
    cases.push({ name: 'frame.tif', expected: new Uint8Array(rgb), width: W, height: H })

    const ml = mlDecode(cases.map((c) => join(dir, c.name)))
    for (const [k, c] of cases.entries()) {
      const main = await mainDecode(join(dir, c.name), k + 1)
      expect([main.width, main.height], c.name).toEqual([c.width, c.height])
      expect([ml[k]!.width, ml[k]!.height], c.name).toEqual([c.width, c.height])
      // The point of one module: not one pixel differs.
      expect(maxDiff(main.data, ml[k]!.data), c.name).toBe(0)
      // And both are what the file holds (rounding of the alpha product may differ by one; JPEG is lossy).
      expect(maxDiff(main.data, c.expected), c.name).toBeLessThanOrEqual(c.lossy ? 24 : 1)
    }
  })

  it('a file declaring a huge image is refused by ml from its header too, before decoding', async () => {
    // A 16-bit PNG declaring 20000x20000 with one row of data: decoding it would need 2.4 GB.
    writeFileSync(join(dir, 'huge.png'), png16(4, 1, 1, [0, 0, 0, 0], { width: 20000, height: 20000 }))
    const script = `
      const m = await import(${JSON.stringify(ML_DECODE)}); const decodeFrame = m.decodeFrame ?? m.default.decodeFrame
      try { await decodeFrame(${JSON.stringify(join(dir, 'huge.png'))}); console.log('decoded') } catch (e) { console.log(e.message) }`
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })
    expect(run.stdout).toMatch(/20000x20000 \(400 Mpx\), over the 268 Mpx limit/)
  })
})
