import { describe, expect, it } from 'vitest'
import { BMP_MAX_PIXELS, BmpError, decodeBmp } from './bmp'

interface EncodeOptions {
  width: number
  height: number
  bpp: 1 | 4 | 8 | 16 | 24 | 32
  /** Per pixel, top row first: [r, g, b] or [r, g, b, a], or a palette index for bpp <= 8. */
  pixel: (x: number, y: number) => number[] | number
  palette?: Array<[number, number, number]>
  topDown?: boolean
  headerSize?: 40 | 52 | 56 | 108 | 124
  compression?: number
  /** r, g, b, a masks for 16/32-bit. */
  masks?: [number, number, number, number]
  colorsUsed?: number
}

/** A deliberately plain BMP writer, so the decoder is checked against the format, not against itself. */
function encodeBmp(o: EncodeOptions): Uint8Array {
  const headerSize = o.headerSize ?? 40
  const compression = o.compression ?? 0
  const masksAfterHeader = headerSize === 40 && (compression === 3 || compression === 6) ? (compression === 6 ? 16 : 12) : 0
  const palette = o.palette ?? []
  const stride = Math.floor((o.bpp * o.width + 31) / 32) * 4
  const dataOffset = 14 + headerSize + masksAfterHeader + 4 * palette.length
  const size = dataOffset + stride * o.height
  const out = new Uint8Array(size)
  const v = new DataView(out.buffer)
  out[0] = 0x42
  out[1] = 0x4d
  v.setUint32(2, size, true)
  v.setUint32(10, dataOffset, true)
  v.setUint32(14, headerSize, true)
  v.setInt32(18, o.width, true)
  v.setInt32(22, o.topDown ? -o.height : o.height, true)
  v.setUint16(26, 1, true)
  v.setUint16(28, o.bpp, true)
  v.setUint32(30, compression, true)
  v.setUint32(34, stride * o.height, true)
  v.setUint32(46, o.colorsUsed ?? palette.length, true)
  const masks = o.masks ?? (o.bpp === 16 ? [0x7c00, 0x3e0, 0x1f, 0] : [0xff0000, 0xff00, 0xff, 0])
  if (compression === 3 || compression === 6 || headerSize >= 52) {
    for (let k = 0; k < (masksAfterHeader ? masksAfterHeader / 4 : headerSize >= 56 ? 4 : 3); k++) {
      v.setUint32(54 + 4 * k, masks[k]! >>> 0, true)
    }
  }
  palette.forEach(([r, g, b], k) => {
    const at = 14 + headerSize + masksAfterHeader + 4 * k
    out[at] = b
    out[at + 1] = g
    out[at + 2] = r
  })
  for (let y = 0; y < o.height; y++) {
    const row = dataOffset + (o.topDown ? y : o.height - 1 - y) * stride
    for (let x = 0; x < o.width; x++) {
      const p = o.pixel(x, y)
      if (o.bpp <= 8) {
        const bit = x * o.bpp
        out[row + (bit >> 3)]! |= (p as number) << (8 - o.bpp - (bit & 7))
      } else if (o.bpp === 24) {
        const [r, g, b] = p as number[]
        out.set([b!, g!, r!], row + 3 * x)
      } else {
        // Pack each channel into its mask, scaling 8-bit values to the mask's width.
        const values = p as number[]
        let word = 0
        masks.forEach((m, k) => {
          if (!m) return
          let shift = 0
          while (((m >>> shift) & 1) === 0) shift++
          const max = (m >>> shift) >>> 0
          word += Math.round(((values[k] ?? 255) * max) / 255) * 2 ** shift
        })
        if (o.bpp === 16) v.setUint16(row + 2 * x, word, true)
        else v.setUint32(row + 4 * x, word, true)
      }
    }
  }
  return out
}

function expected(width: number, height: number, channels: number, pixel: (x: number, y: number) => number[]): number[] {
  const out: number[] = []
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.push(...pixel(x, y).slice(0, channels))
  return out
}

const rgb = (x: number, y: number): number[] => [(x * 50 + y * 7) % 256, (y * 80 + x) % 256, (x * y * 30 + 9) % 256]
const rgba = (x: number, y: number): number[] => [...rgb(x, y), (x * 60 + y) % 256]

function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'))
}

describe('decodeBmp: our encoder', () => {
  it('24-bit bottom-up, odd width (row padding)', () => {
    const bmp = decodeBmp(encodeBmp({ width: 7, height: 5, bpp: 24, pixel: rgb }))
    expect(bmp).toMatchObject({ width: 7, height: 5, channels: 3 })
    expect(Array.from(bmp.data)).toEqual(expected(7, 5, 3, rgb))
  })

  it('8-bit, 4-bit and 1-bit palettes, widths off the byte boundary', () => {
    const palette: Array<[number, number, number]> = Array.from({ length: 16 }, (_, k) => [k * 16, 255 - k * 10, (k * 77) % 256])
    const colour = (k: number): number[] => palette[k]!
    for (const [bpp, colours, width] of [
      [8, 16, 9],
      [4, 16, 7],
      [1, 2, 13]
    ] as const) {
      const index = (x: number, y: number): number => (x * 3 + y * 5) % colours
      const bmp = decodeBmp(encodeBmp({ width, height: 4, bpp, pixel: index, palette: palette.slice(0, colours) }))
      expect(bmp).toMatchObject({ width, height: 4, channels: 3 })
      expect(Array.from(bmp.data)).toEqual(expected(width, 4, 3, (x, y) => colour(index(x, y))))
    }
  })

  it('palette size 0 in the header means 2^bpp colours', () => {
    const palette: Array<[number, number, number]> = Array.from({ length: 256 }, (_, k) => [k, k, 255 - k])
    const bmp = decodeBmp(encodeBmp({ width: 4, height: 2, bpp: 8, pixel: (x, y) => x * 60 + y, palette, colorsUsed: 0 }))
    expect(Array.from(bmp.data.subarray(0, 6))).toEqual([0, 0, 255, 60, 60, 195])
  })

  it('32-bit BI_RGB top-down: the fourth byte is padding, so RGB', () => {
    const bmp = decodeBmp(encodeBmp({ width: 6, height: 3, bpp: 32, pixel: rgba, topDown: true }))
    expect(bmp).toMatchObject({ width: 6, height: 3, channels: 3 })
    expect(Array.from(bmp.data)).toEqual(expected(6, 3, 3, rgb))
  })

  it('32-bit BI_BITFIELDS with an alpha mask (V4 and V5 headers, any channel order): RGBA', () => {
    for (const headerSize of [108, 124] as const) {
      for (const masks of [
        [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000],
        [0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000]
      ] as Array<[number, number, number, number]>) {
        const file = encodeBmp({ width: 5, height: 4, bpp: 32, pixel: rgba, topDown: true, headerSize, compression: 3, masks })
        const bmp = decodeBmp(file)
        expect(bmp).toMatchObject({ width: 5, height: 4, channels: 4 })
        expect(Array.from(bmp.data)).toEqual(expected(5, 4, 4, rgba))
      }
    }
    // BI_ALPHABITFIELDS with the masks after a 40-byte header.
    const masks: [number, number, number, number] = [0xff000000, 0x00ff0000, 0x0000ff00, 0x000000ff]
    const bmp = decodeBmp(encodeBmp({ width: 3, height: 2, bpp: 32, pixel: rgba, compression: 6, masks }))
    expect(Array.from(bmp.data)).toEqual(expected(3, 2, 4, rgba))
  })

  it('16-bit 5-5-5 (BI_RGB) and 5-6-5 (BI_BITFIELDS) scale channels to 8 bits', () => {
    const to5 = (c: number): number => Math.round((Math.round((c * 31) / 255) * 255) / 31)
    const to6 = (c: number): number => Math.round((Math.round((c * 63) / 255) * 255) / 63)
    const a = decodeBmp(encodeBmp({ width: 5, height: 3, bpp: 16, pixel: rgb }))
    expect(Array.from(a.data)).toEqual(expected(5, 3, 3, (x, y) => rgb(x, y).map(to5)))
    const masks: [number, number, number, number] = [0xf800, 0x07e0, 0x001f, 0]
    const b = decodeBmp(encodeBmp({ width: 5, height: 3, bpp: 16, pixel: rgb, compression: 3, masks }))
    expect(Array.from(b.data)).toEqual(expected(5, 3, 3, (x, y) => {
      const [r, g, bl] = rgb(x, y) as [number, number, number]
      return [to5(r), to6(g), to5(bl)]
    }))
  })

  it('reads from a view into a larger buffer (pooled Node Buffers) and tolerates a missing last-row pad', () => {
    const file = encodeBmp({ width: 5, height: 2, bpp: 24, pixel: rgb })
    const pool = new Uint8Array(file.length + 100)
    pool.set(file, 37)
    expect(Array.from(decodeBmp(pool.subarray(37, 37 + file.length)).data)).toEqual(expected(5, 2, 3, rgb))
    // 5 px * 3 bytes = 15, padded to 16: the final byte may be absent.
    expect(Array.from(decodeBmp(file.subarray(0, file.length - 1)).data)).toEqual(expected(5, 2, 3, rgb))
  })
})

describe('decodeBmp: files written by Pillow 9.4 (5x3)', () => {
  // Generated once with python3-pil; pixel formulas as `rgb` / `rgba` above.
  const RGB24 =
    'Qk1mAAAAAAAAADYAAAAoAAAABQAAAAMAAAABABgAAAAAADAAAADEDgAAxA4AAAAAAAAAAAAACaAORaFAgaJyvaOk+aTWAAlQBydROUVSa2NTnYFUzwAJAAAJATIJAmQJA5YJBMgA'
  const RGBA32 =
    'Qk1yAAAAAAAAADYAAAAoAAAABQAAAAMAAAABACAAAAAAADwAAADEDgAAxA4AAAAAAAAAAAAACaAOAkWhQD6BonJ6vaOktvmk1vIJUAcBJ1E5PUVSa3ljU521gVTP8QkAAAAJATI8CQJkeAkDlrQJBMjw'
  const MONO1 = 'Qk1KAAAAAAAAAD4AAAAoAAAABQAAAAMAAAABAAEAAAAAAAwAAADEDgAAxA4AAAIAAAACAAAAAAAAAP////9QAAAAqAAAAFAAAAA='
  const PAL8 =
    'Qk1eAAAAAAAAAEYAAAAoAAAABQAAAAMAAAABAAgAAAAAABgAAADEDgAAxA4AAAQAAAAEAAAAHhQKAABkyACA/wAAAwIBAAABAgMAAAAAAgMAAQIAAAAAAQIDAAAAAA=='

  it('RGB (24-bit) and RGBA (written as 32-bit BI_RGB, so alpha is not kept)', () => {
    expect(Array.from(decodeBmp(fromBase64(RGB24)).data)).toEqual(expected(5, 3, 3, rgb))
    const rgbaFile = decodeBmp(fromBase64(RGBA32))
    expect(rgbaFile.channels).toBe(3)
    expect(Array.from(rgbaFile.data)).toEqual(expected(5, 3, 3, rgb))
  })

  it('mode 1 (1-bit) and mode P (8-bit, 4-colour palette)', () => {
    const mono = decodeBmp(fromBase64(MONO1))
    expect(Array.from(mono.data)).toEqual(expected(5, 3, 3, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0])))
    const palette = [
      [10, 20, 30],
      [200, 100, 0],
      [0, 255, 128],
      [1, 2, 3]
    ]
    const pal = decodeBmp(fromBase64(PAL8))
    expect(Array.from(pal.data)).toEqual(expected(5, 3, 3, (x, y) => palette[(x + 2 * y) % 4]!))
  })
})

describe('decodeBmp: bad input', () => {
  const good = (): Uint8Array => encodeBmp({ width: 6, height: 4, bpp: 24, pixel: rgb })
  const patch = (file: Uint8Array, at: number, value: number, kind: 'u16' | 'u32' | 'i32' = 'u32'): Uint8Array => {
    const copy = file.slice()
    const v = new DataView(copy.buffer)
    if (kind === 'u16') v.setUint16(at, value, true)
    else if (kind === 'i32') v.setInt32(at, value, true)
    else v.setUint32(at, value, true)
    return copy
  }

  it('zero bytes, wrong magic, too short', () => {
    expect(() => decodeBmp(new Uint8Array(0))).toThrow(/empty BMP \(0 bytes\)/)
    expect(() => decodeBmp(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).toThrow(/not a BMP file/)
    expect(() => decodeBmp(new Uint8Array([0x42]))).toThrow(/not a BMP file/)
    expect(() => decodeBmp(new Uint8Array([0x42, 0x4d, 1, 2, 3]))).toThrow(/truncated BMP/)
  })

  it('every truncation throws a BmpError, at the header, palette or pixel data', () => {
    // [file, bytes of padding after the last row's pixels, which may be missing]
    const cases: Array<[Uint8Array, number]> = [
      [good(), 2],
      [encodeBmp({ width: 5, height: 3, bpp: 4, pixel: () => 1, palette: [[1, 2, 3], [4, 5, 6]] }), 1]
    ]
    for (const [file, pad] of cases) {
      expect(decodeBmp(file.subarray(0, file.length - pad)).width).toBeGreaterThan(0)
      const messages = new Set<string>()
      for (let n = 0; n < file.length - pad; n++) {
        let err: unknown = null
        try {
          decodeBmp(file.subarray(0, n))
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(BmpError)
        messages.add((err as Error).message.replace(/\d+/g, '#'))
      }
      expect([...messages].some((m) => m.startsWith('truncated BMP pixel data'))).toBe(true)
      expect([...messages].some((m) => m.startsWith('truncated BMP: BITMAPINFOHEADER'))).toBe(true)
    }
  })

  it('huge or invalid dimensions are refused before any pixel work', () => {
    expect(() => decodeBmp(patch(patch(good(), 18, 20000, 'i32'), 22, 20000, 'i32'))).toThrow(/too large: 20000x20000/)
    expect(() => decodeBmp(patch(patch(good(), 18, 0x7fffffff, 'i32'), 22, -0x80000000, 'i32'))).toThrow(/too large/)
    expect(() => decodeBmp(patch(good(), 18, 16384 * 16384, 'i32'))).toThrow(/too large/)
    expect(BMP_MAX_PIXELS).toBe(16383 * 16383)
    // Just under the limit but with no data for it: truncated, not allocated.
    expect(() => decodeBmp(patch(patch(good(), 18, 16383, 'i32'), 22, 16383, 'i32'))).toThrow(/truncated BMP pixel data/)
    expect(() => decodeBmp(patch(good(), 18, -4, 'i32'))).toThrow(/invalid BMP width -4/)
    expect(() => decodeBmp(patch(good(), 22, 0, 'i32'))).toThrow(/invalid BMP height 0/)
  })

  it('unsupported compression, header, depth and planes are named', () => {
    expect(() => decodeBmp(patch(good(), 30, 1))).toThrow(/unsupported BMP compression \(RLE8\)/)
    expect(() => decodeBmp(patch(good(), 30, 2))).toThrow(/unsupported BMP compression \(RLE4\)/)
    expect(() => decodeBmp(patch(good(), 30, 4))).toThrow(/unsupported BMP compression \(JPEG\)/)
    expect(() => decodeBmp(patch(good(), 30, 99))).toThrow(/unsupported BMP compression \(99\)/)
    expect(() => decodeBmp(patch(good(), 14, 12))).toThrow(/unsupported BMP header size 12 \(OS\/2 BITMAPCOREHEADER\)/)
    expect(() => decodeBmp(patch(good(), 28, 2, 'u16'))).toThrow(/unsupported BMP bit depth 2/)
    expect(() => decodeBmp(patch(good(), 30, 3))).toThrow(/bitfield compression needs 16 or 32 bits per pixel, got 24/)
    expect(() => decodeBmp(patch(good(), 26, 3, 'u16'))).toThrow(/planes must be 1, got 3/)
  })

  it('bad offsets, palette indices and masks', () => {
    expect(() => decodeBmp(patch(good(), 10, 20))).toThrow(/pixel data offset 20 points into the 54-byte header/)
    expect(() => decodeBmp(patch(good(), 10, 1_000_000))).toThrow(/truncated BMP pixel data/)
    const twoColours = encodeBmp({ width: 4, height: 1, bpp: 8, pixel: (x) => x, palette: [[0, 0, 0], [9, 9, 9]] })
    expect(() => decodeBmp(twoColours)).toThrow(/palette index 2 at \(2, 0\) out of range \(palette has 2 colours\)/)
    const noPalette = encodeBmp({ width: 4, height: 1, bpp: 8, pixel: () => 0 })
    expect(() => decodeBmp(noPalette)).toThrow(/8-bit image without a palette/)
    const gappy: [number, number, number, number] = [0x00ff00f0, 0x0000ff00, 0x000000ff, 0]
    expect(() => decodeBmp(encodeBmp({ width: 2, height: 2, bpp: 32, pixel: rgb, compression: 3, masks: gappy }))).toThrow(
      /red mask 0xff00f0: bits not contiguous/
    )
    const wide: [number, number, number, number] = [0x1f0000, 0x07e0, 0x001f, 0]
    expect(() => decodeBmp(encodeBmp({ width: 2, height: 2, bpp: 16, pixel: rgb, compression: 3, masks: wide }))).toThrow(
      /wider than 16 bits/
    )
  })

  it('random corruption of header bytes only ever decodes consistently or throws a BmpError', () => {
    let seed = 17
    const rand = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      return seed / 2 ** 32
    }
    const files = [
      good(),
      encodeBmp({ width: 9, height: 3, bpp: 4, pixel: (x) => x % 3, palette: [[1, 1, 1], [2, 2, 2], [3, 3, 3]] }),
      encodeBmp({ width: 4, height: 3, bpp: 32, pixel: rgba, headerSize: 124, compression: 3, masks: [0xff0000, 0xff00, 0xff, 0xff000000] })
    ]
    let decoded = 0
    let refused = 0
    for (let trial = 0; trial < 3000; trial++) {
      const file = files[trial % files.length]!.slice()
      const flips = 1 + Math.floor(rand() * 3)
      for (let k = 0; k < flips; k++) file[Math.floor(rand() * Math.min(file.length, 80))] = Math.floor(rand() * 256)
      try {
        const bmp = decodeBmp(file)
        expect(bmp.data.length).toBe(bmp.width * bmp.height * bmp.channels)
        decoded++
      } catch (e) {
        if (!(e instanceof BmpError)) throw e
        refused++
      }
    }
    expect(decoded).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(100)
  })
})
