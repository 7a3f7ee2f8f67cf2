import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { rasterizePolygon } from '../../shared/geometry/raster'
import { decodeFrame } from './decode'
import { computeLetterbox, letterboxImage, modelToFrame, polygonToFrame, polygonToModel, validRegion } from './letterbox'
import { rasterizeTargets } from './targets'

const dir = mkdtempSync(join(tmpdir(), 'ds-frames-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function solid(width: number, height: number, rgb: [number, number, number]): Buffer {
  const b = Buffer.alloc(width * height * 3)
  for (let i = 0; i < width * height; i++) b.set(rgb, i * 3)
  return b
}

describe('decodeFrame', () => {
  it('reads RGB PNGs exactly', async () => {
    const path = join(dir, 'rgb.png')
    await sharp(solid(5, 3, [10, 20, 30]), { raw: { width: 5, height: 3, channels: 3 } }).png().toFile(path)
    const f = await decodeFrame(path)
    expect([f.width, f.height, f.channels]).toEqual([5, 3, 3])
    expect(Array.from(f.data.slice(0, 6))).toEqual([10, 20, 30, 10, 20, 30])
  })

  it('replicates grey (and drops alpha) to three channels', async () => {
    const grey = join(dir, 'grey.png')
    await sharp(Buffer.from([0, 128, 255, 64]), { raw: { width: 2, height: 2, channels: 1 } }).png().toFile(grey)
    const g = await decodeFrame(grey)
    expect(Array.from(g.data)).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255, 64, 64, 64])
    const greyAlpha = join(dir, 'grey-alpha.png')
    await sharp(Buffer.from([100, 255, 200, 0]), { raw: { width: 2, height: 1, channels: 2 } }).png().toFile(greyAlpha)
    const ga = await decodeFrame(greyAlpha)
    expect(ga.channels).toBe(3)
    expect(Array.from(ga.data.slice(0, 3))).toEqual([100, 100, 100])
  })

  it('applies EXIF orientation (6: rotate 90 degrees clockwise)', async () => {
    // Stored 32x16: left half red, right half blue. Displayed 16x32: red on top.
    const w = 32
    const h = 16
    const raw = Buffer.alloc(w * h * 3)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3)
    const path = join(dir, 'exif.jpg')
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(path)
    const f = await decodeFrame(path)
    expect([f.width, f.height]).toEqual([16, 32])
    const at = (x: number, y: number): number[] => Array.from(f.data.slice((y * f.width + x) * 3, (y * f.width + x) * 3 + 3))
    expect(at(8, 6)[0]).toBeGreaterThan(200)
    expect(at(8, 6)[2]).toBeLessThan(60)
    expect(at(8, 26)[2]).toBeGreaterThan(200)
  })

  it('falls back to the BMP decoder for files sharp cannot read', async () => {
    // 24-bit bottom-up BMP, 3x2: top row red, green, blue; bottom row white, black, grey.
    const w = 3
    const h = 2
    const rowBytes = Math.ceil((w * 3) / 4) * 4
    const buf = Buffer.alloc(54 + rowBytes * h)
    buf.write('BM', 0, 'latin1')
    buf.writeUInt32LE(buf.length, 2)
    buf.writeUInt32LE(54, 10)
    buf.writeUInt32LE(40, 14)
    buf.writeInt32LE(w, 18)
    buf.writeInt32LE(h, 22)
    buf.writeUInt16LE(1, 26)
    buf.writeUInt16LE(24, 28)
    const rows = [
      [[255, 255, 255], [0, 0, 0], [128, 128, 128]],
      [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    ] // stored bottom row first
    rows.forEach((row, r) => row.forEach(([R, G, B], x) => buf.set([B!, G!, R!], 54 + r * rowBytes + x * 3)))
    const path = join(dir, 'frame.bmp')
    writeFileSync(path, buf)
    const f = await decodeFrame(path)
    expect([f.width, f.height, f.channels]).toEqual([3, 2, 3])
    expect(Array.from(f.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128])
    const broken = join(dir, 'broken.bmp')
    writeFileSync(broken, buf.subarray(0, 30))
    await expect(decodeFrame(broken)).rejects.toThrow(/broken\.bmp/)
  })

  it('names the file when it cannot decode it', async () => {
    const path = join(dir, 'junk.png')
    writeFileSync(path, 'not an image')
    await expect(decodeFrame(path)).rejects.toThrow(/junk\.png.*cannot decode/)
    await expect(decodeFrame(join(dir, 'missing.png'))).rejects.toThrow(/cannot read .*missing\.png/)
  })
})

describe('letterbox', () => {
  it('pads the thesis frame 1440x2560 to a centred square and scales by 0.1', () => {
    expect(computeLetterbox(1440, 2560, 256)).toEqual({ size: 256, scale: 0.1, padX: 560, padY: 0, srcWidth: 1440, srcHeight: 2560 })
    expect(() => computeLetterbox(0, 10, 256)).toThrow(/positive integers/)
  })

  it('letterboxes a frame into [0,1] floats with black padding', async () => {
    const { tensor, box } = await letterboxImage({ data: solid(40, 20, [200, 100, 50]), width: 40, height: 20, channels: 3 }, 32)
    expect(box).toEqual({ size: 32, scale: 0.8, padX: 0, padY: 10, srcWidth: 40, srcHeight: 20 })
    expect(tensor.length).toBe(32 * 32 * 3)
    const px = (x: number, y: number): number[] => Array.from(tensor.slice((y * 32 + x) * 3, (y * 32 + x) * 3 + 3))
    expect(px(16, 2)).toEqual([0, 0, 0])
    expect(px(16, 29)).toEqual([0, 0, 0])
    expect(px(16, 16)[0]).toBeCloseTo(200 / 255, 2)
    expect(px(16, 16)[2]).toBeCloseTo(50 / 255, 2)
    expect(validRegion(box)).toEqual({ x0: 0, y0: 8, x1: 32, y1: 24 })
  })

  it('maps polygons both ways and model maps back onto the frame bilinearly', () => {
    const box = computeLetterbox(40, 20, 32)
    const poly = [1, 2, 30.5, 2, 30.5, 17]
    const m = polygonToModel(poly, box)
    expect(m).toEqual([0.8, 9.6, 24.4, 9.6, 24.4, 21.6].map((v) => expect.closeTo(v, 9)))
    polygonToFrame(m, box).forEach((v, i) => expect(v).toBeCloseTo(poly[i]!, 9))
    // A map linear in the model pixel centres comes back exactly where no clamping happens.
    const K = 2
    const map = new Float32Array(32 * 32 * K)
    for (let v = 0; v < 32; v++) for (let u = 0; u < 32; u++) {
      map[(v * 32 + u) * K] = 0.01 * u + 0.02 * v
      map[(v * 32 + u) * K + 1] = 1
    }
    const frame = modelToFrame(map, box, K)
    expect(frame.length).toBe(40 * 20 * K)
    for (let y = 0; y < 20; y++) for (let x = 1; x < 39; x++) {
      const u = (x + 0.5) * 0.8 - 0.5
      const v = (y + 0.5 + 10) * 0.8 - 0.5
      expect(frame[(y * 40 + x) * K]).toBeCloseTo(0.01 * u + 0.02 * v, 5)
      expect(frame[(y * 40 + x) * K + 1]).toBeCloseTo(1, 6)
    }
    expect(() => modelToFrame(new Float32Array(5), box, 1)).toThrow(/expected 1024 values/)
  })

  it('letterbox then modelToFrame gives back a smooth frame', async () => {
    const w = 60
    const h = 36
    const data = new Uint8Array(w * h * 3)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([Math.round((x / w) * 255), Math.round((y / h) * 255), 128], (y * w + x) * 3)
    const { tensor, box } = await letterboxImage({ data, width: w, height: h, channels: 3 }, 48)
    const back = modelToFrame(tensor, box, 3)
    let err = 0
    for (let y = 2; y < h - 2; y++) for (let x = 2; x < w - 2; x++) for (let c = 0; c < 3; c++) {
      err = Math.max(err, Math.abs(back[(y * w + x) * 3 + c]! - data[(y * w + x) * 3 + c]! / 255))
    }
    expect(err).toBeLessThan(0.03)
  })
})

describe('rasterizeTargets', () => {
  it('rasterises each class in model space with the shared rasteriser', () => {
    const box = computeLetterbox(40, 20, 32)
    const rect = [5, 3, 25, 3, 25, 15, 5, 15]
    const t = rasterizeTargets([[rect], []], box)
    expect(t.length).toBe(32 * 32 * 2)
    const expected = rasterizePolygon(polygonToModel(rect, box), 32, 32)
    for (let i = 0; i < 32 * 32; i++) {
      expect(t[i * 2]).toBe(expected[i])
      expect(t[i * 2 + 1]).toBe(0)
    }
    expect(expected.reduce((a, v) => a + v, 0)).toBeGreaterThan(50)
  })

  it('keeps a crack thinner than a model pixel when supersampling', () => {
    const box = computeLetterbox(400, 400, 32) // 12.5 frame pixels per model pixel
    const crack = [100, 100, 300, 100, 300, 104, 100, 104] // 4 px wide: model rows 8.0-8.32, above the centres at 8.5
    const count = (a: Float32Array): number => a.reduce((s, v) => s + v, 0)
    expect(count(rasterizeTargets([[crack]], box))).toBe(0)
    const kept = rasterizeTargets([[crack]], box, { supersample: 4, minCoverage: 0.25 })
    expect(count(kept)).toBeGreaterThanOrEqual(15)
    expect(() => rasterizeTargets([[crack]], box, { supersample: 0 })).toThrow(/supersample/)
  })
})
