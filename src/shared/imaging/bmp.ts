/**
 * BMP decoder. sharp's bundled libvips cannot read BMP, and line-scan cameras
 * and older inspection software still write it.
 *
 * Reads BITMAPINFOHEADER and its V2-V5 extensions: 1/4/8-bit palettised,
 * 16/24/32-bit, BI_RGB, BI_BITFIELDS and BI_ALPHABITFIELDS, bottom-up or
 * top-down. RLE, JPEG and PNG payloads are refused. Every read is bounds
 * checked before it happens, so malformed input ends in a BmpError naming
 * what is wrong, never an out-of-range read.
 */

export interface DecodedBmp {
  width: number
  height: number
  /** 4 only when the file defines an alpha channel (a non-zero alpha bitfield mask). */
  channels: 3 | 4
  /** RGB or RGBA, rows top to bottom, no padding: width * height * channels bytes. */
  data: Uint8Array
}

/** Same as sharp's default limit (16383 x 16383). */
export const BMP_MAX_PIXELS = 268_402_689

export class BmpError extends Error {
  override name = 'BmpError'
}

const FILE_HEADER = 14
const HEADER_SIZES: ReadonlyMap<number, string> = new Map([
  [40, 'BITMAPINFOHEADER'],
  [52, 'BITMAPV2INFOHEADER'],
  [56, 'BITMAPV3INFOHEADER'],
  [108, 'BITMAPV4HEADER'],
  [124, 'BITMAPV5HEADER']
])
const BI_RGB = 0
const BI_BITFIELDS = 3
const BI_ALPHABITFIELDS = 6
const COMPRESSION_NAMES: Record<number, string> = {
  1: 'RLE8',
  2: 'RLE4',
  4: 'JPEG',
  5: 'PNG',
  11: 'CMYK',
  12: 'CMYK RLE8',
  13: 'CMYK RLE4'
}

interface Channel {
  mask: number
  shift: number
  /** Largest value the field holds, 2^bits - 1. */
  max: number
}

export function decodeBmp(bytes: Uint8Array): DecodedBmp {
  const len = bytes.length
  if (len === 0) throw new BmpError('empty BMP (0 bytes)')
  if (len < 2 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new BmpError('not a BMP file: missing "BM" signature')
  if (len < FILE_HEADER + 4) throw new BmpError(`truncated BMP: ${len} bytes, too short for the file and info headers`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u16 = (at: number): number => view.getUint16(at, true)
  const u32 = (at: number): number => view.getUint32(at, true)
  const i32 = (at: number): number => view.getInt32(at, true)

  const dataOffset = u32(10)
  const headerSize = u32(14)
  const headerName = HEADER_SIZES.get(headerSize)
  if (!headerName) {
    const hint = headerSize === 12 ? ' (OS/2 BITMAPCOREHEADER)' : headerSize === 64 ? ' (OS/2 2.x header)' : ''
    throw new BmpError(`unsupported BMP header size ${headerSize}${hint}`)
  }
  if (len < FILE_HEADER + headerSize) {
    throw new BmpError(`truncated BMP: ${headerName} needs ${FILE_HEADER + headerSize} bytes, file has ${len}`)
  }
  const width = i32(18)
  const rawHeight = i32(22)
  const planes = u16(26)
  const bpp = u16(28)
  const compression = u32(30)
  const colorsUsed = u32(46)
  if (width <= 0) throw new BmpError(`invalid BMP width ${width}`)
  if (rawHeight === 0) throw new BmpError('invalid BMP height 0')
  const topDown = rawHeight < 0
  const height = Math.abs(rawHeight)
  if (width * height > BMP_MAX_PIXELS) {
    throw new BmpError(`BMP image too large: ${width}x${height} = ${width * height} pixels (limit ${BMP_MAX_PIXELS})`)
  }
  if (planes !== 1) throw new BmpError(`invalid BMP: planes must be 1, got ${planes}`)
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new BmpError(`unsupported BMP compression (${COMPRESSION_NAMES[compression] ?? compression})`)
  }
  const bitfields = compression !== BI_RGB
  if (bitfields ? bpp !== 16 && bpp !== 32 : ![1, 4, 8, 16, 24, 32].includes(bpp)) {
    throw new BmpError(
      bitfields
        ? `invalid BMP: bitfield compression needs 16 or 32 bits per pixel, got ${bpp}`
        : `unsupported BMP bit depth ${bpp}`
    )
  }

  // Bitfield masks live in the header from V2 on, else right after it.
  let maskBytes = 0
  let channels: Channel[] = []
  if (bpp === 16 || bpp === 32) {
    let masks: number[]
    if (bitfields) {
      // Either way they start at byte 54.
      const count = compression === BI_ALPHABITFIELDS || headerSize >= 56 ? 4 : 3
      if (headerSize === 40) {
        maskBytes = 4 * count
        if (len < FILE_HEADER + headerSize + maskBytes) {
          throw new BmpError(`truncated BMP: bitfield masks need ${FILE_HEADER + headerSize + maskBytes} bytes, file has ${len}`)
        }
      }
      masks = [u32(54), u32(58), u32(62), count === 4 ? u32(66) : 0]
    } else if (bpp === 16) {
      masks = [0x7c00, 0x03e0, 0x001f, 0]
    } else {
      masks = [0x00ff0000, 0x0000ff00, 0x000000ff, 0]
    }
    channels = masks.map((m, k) => channelOf(m, bpp, ['red', 'green', 'blue', 'alpha'][k]!))
  }
  const headerEnd = FILE_HEADER + headerSize + maskBytes
  if (dataOffset < headerEnd) {
    throw new BmpError(`invalid BMP: pixel data offset ${dataOffset} points into the ${headerEnd}-byte header`)
  }

  let palette: Uint8Array | null = null
  let paletteSize = 0
  if (bpp <= 8) {
    const wanted = colorsUsed === 0 || colorsUsed > 1 << bpp ? 1 << bpp : colorsUsed
    // A palette cannot run into the pixel data; some writers overstate its size.
    paletteSize = Math.min(wanted, Math.floor((dataOffset - headerEnd) / 4))
    if (paletteSize === 0) throw new BmpError(`invalid BMP: ${bpp}-bit image without a palette`)
    if (len < headerEnd + 4 * paletteSize) {
      throw new BmpError(`truncated BMP: palette of ${paletteSize} colours needs ${headerEnd + 4 * paletteSize} bytes, file has ${len}`)
    }
    palette = bytes.subarray(headerEnd, headerEnd + 4 * paletteSize)
  }

  const stride = Math.floor((bpp * width + 31) / 32) * 4
  // The last row's padding is often left off; its pixels must be there.
  const needed = stride * (height - 1) + Math.ceil((bpp * width) / 8)
  if (dataOffset > len || len - dataOffset < needed) {
    throw new BmpError(
      `truncated BMP pixel data: ${width}x${height} at ${bpp} bits needs ${needed} bytes from offset ${dataOffset}, file has ${Math.max(0, len - dataOffset)}`
    )
  }

  const outChannels: 3 | 4 = channels[3] && channels[3].mask !== 0 ? 4 : 3
  const data = new Uint8Array(width * height * outChannels)
  for (let y = 0; y < height; y++) {
    const src = dataOffset + (topDown ? y : height - 1 - y) * stride
    let o = y * width * outChannels
    if (palette) {
      const perByte = 8 / bpp
      const mask = (1 << bpp) - 1
      for (let x = 0; x < width; x++) {
        const byte = bytes[src + Math.floor(x / perByte)]!
        const index = (byte >> (8 - bpp * ((x % perByte) + 1))) & mask
        if (index >= paletteSize) {
          throw new BmpError(`invalid BMP: palette index ${index} at (${x}, ${y}) out of range (palette has ${paletteSize} colours)`)
        }
        data[o++] = palette[4 * index + 2]!
        data[o++] = palette[4 * index + 1]!
        data[o++] = palette[4 * index]!
      }
    } else if (bpp === 24) {
      for (let x = 0; x < width; x++) {
        const s = src + 3 * x
        data[o++] = bytes[s + 2]!
        data[o++] = bytes[s + 1]!
        data[o++] = bytes[s]!
      }
    } else {
      const [r, g, b, a] = channels as [Channel, Channel, Channel, Channel]
      for (let x = 0; x < width; x++) {
        const v = bpp === 16 ? u16(src + 2 * x) : u32(src + 4 * x)
        data[o++] = field(v, r)
        data[o++] = field(v, g)
        data[o++] = field(v, b)
        if (outChannels === 4) data[o++] = field(v, a)
      }
    }
  }
  return { width, height, channels: outChannels, data }
}

function channelOf(mask: number, bpp: number, name: string): Channel {
  const m = mask >>> 0
  if (m === 0) return { mask: 0, shift: 0, max: 1 }
  if (bpp < 32 && m >>> bpp !== 0) {
    throw new BmpError(`invalid BMP ${name} mask 0x${m.toString(16)}: wider than ${bpp} bits per pixel`)
  }
  let shift = 0
  while (((m >>> shift) & 1) === 0) shift++
  const bits = Math.log2((m >>> shift) + 1)
  if (!Number.isInteger(bits)) throw new BmpError(`invalid BMP ${name} mask 0x${m.toString(16)}: bits not contiguous`)
  return { mask: m, shift, max: 2 ** bits - 1 }
}

function field(v: number, c: Channel): number {
  if (c.mask === 0) return 0
  const raw = (v & c.mask) >>> c.shift
  return c.max === 255 ? raw : Math.round((raw * 255) / c.max)
}
