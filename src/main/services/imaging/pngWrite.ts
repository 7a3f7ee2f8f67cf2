import { deflateSync } from 'node:zlib'

/**
 * A minimal 8-bit PNG writer for class-index masks: sharp quantises palette
 * output, and a mask's meaning is its exact sample values, so these are
 * written by hand. Colour type 3 (palette) when a palette is given, else 0
 * (grey).
 */

export type Rgb = readonly [number, number, number]

export interface IndexedPngOptions {
  /** Colour of each index; padded with black to 256 entries so every value has one. Absent: a grey PNG. */
  palette?: readonly Rgb[]
  /**
   * Row filters: 'none' everywhere (masks are long runs, which deflate packs
   * well as they are), or 'mixed', cycling through all five filter types so
   * tests exercise a decoder's every path.
   */
  filters?: 'none' | 'mixed'
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

export function encodeIndexedPng(values: Uint8Array, width: number, height: number, opts: IndexedPngOptions = {}): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodeIndexedPng: size must be positive whole numbers, got ${width}x${height}`)
  }
  if (values.length !== width * height) {
    throw new RangeError(`encodeIndexedPng: ${values.length} values for ${width}x${height} = ${width * height} pixels`)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8
  ihdr[9] = opts.palette ? 3 : 0
  const stride = width + 1
  const raw = Buffer.alloc(stride * height)
  const mixed = opts.filters === 'mixed'
  for (let y = 0; y < height; y++) {
    const filter = mixed ? y % 5 : 0
    raw[y * stride] = filter
    const row = y * width
    if (filter === 0) {
      raw.set(values.subarray(row, row + width), y * stride + 1)
      continue
    }
    for (let x = 0; x < width; x++) {
      const v = values[row + x]!
      const a = x > 0 ? values[row + x - 1]! : 0
      const b = y > 0 ? values[row - width + x]! : 0
      const c = x > 0 && y > 0 ? values[row - width + x - 1]! : 0
      raw[y * stride + 1 + x] = (v - predict(filter, a, b, c)) & 0xff
    }
  }
  const parts = [SIGNATURE, chunk('IHDR', ihdr)]
  if (opts.palette) {
    if (opts.palette.length > 256) throw new RangeError(`encodeIndexedPng: a palette holds at most 256 colours, got ${opts.palette.length}`)
    const plte = Buffer.alloc(256 * 3)
    opts.palette.forEach((rgb, i) => plte.set(rgb.map((v) => Math.max(0, Math.min(255, Math.round(v)))), i * 3))
    parts.push(chunk('PLTE', plte))
  }
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)))
  return Buffer.concat(parts)
}

/** The PNG filter predictors (bytes per pixel is 1 here). */
function predict(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 1:
      return a
    case 2:
      return b
    case 3:
      return (a + b) >> 1
    case 4: {
      const p = a + b - c
      const pa = Math.abs(p - a)
      const pb = Math.abs(p - b)
      const pc = Math.abs(p - c)
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
    }
    default:
      return 0
  }
}

/** '#rrggbb' as an RGB triple (black for anything else). */
export function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : [0, 0, 0]
}
