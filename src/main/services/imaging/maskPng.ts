import { inflateSync } from 'node:zlib'
import sharp from 'sharp'
import { MAX_PIXELS } from '../../../shared/node/imaging/decode'

export interface ClassMask {
  width: number
  height: number
  /** One class index per pixel, row-major. */
  data: Uint8Array
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/**
 * Reads a class-index mask. Palette and greyscale PNGs are decoded here,
 * because sharp turns palette indices into colours and scales 16-bit values,
 * and a mask's meaning is its raw sample values. Anything else (RGB masks,
 * interlaced files) goes through sharp and keeps its first channel.
 *
 * `frame`: the size the mask must have. The header is checked against it
 * (and the pixel limit) before any pixel is decoded: a few hundred KB of
 * zeros can declare 16000x16000, a quarter of a gigabyte per file decoded.
 */
export async function readClassMask(bytes: Buffer, frame?: { width: number; height: number }): Promise<ClassMask> {
  if (bytes.length === 0) throw new Error('empty mask file (0 bytes)')
  const declared = await headerSize(bytes)
  if (declared) {
    const { width, height } = declared
    if (frame && (width !== frame.width || height !== frame.height)) {
      throw new Error(`mask is ${width}x${height} but its image is ${frame.width}x${frame.height}`)
    }
    if (width * height > MAX_PIXELS) throw new Error(`mask is ${width}x${height}, over the ${Math.round(MAX_PIXELS / 1e6)} Mpx limit`)
  }
  const isPng = SIGNATURE.every((b, i) => bytes[i] === b)
  if (isPng) {
    const direct = decodeIndexedPng(bytes)
    if (direct) return direct
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: 'warning' }).extractChannel(0).raw().toBuffer({ resolveWithObject: true })
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
  } catch (err) {
    throw new Error(`unreadable mask: ${(err as Error).message.split('\n')[0]}`)
  }
}

/** The size a mask's header declares, read without decoding; null when there is no readable header (decoding then says why). */
async function headerSize(bytes: Buffer): Promise<{ width: number; height: number } | null> {
  if (SIGNATURE.every((b, i) => bytes[i] === b) && bytes.length >= 24 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
  }
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata()
    return meta.width && meta.height ? { width: meta.width, height: meta.height } : null
  } catch {
    return null
  }
}

/** Returns null when the PNG is not a non-interlaced grey or palette image. */
export function decodeIndexedPng(bytes: Buffer): ClassMask | null {
  let pos = 8
  let width = 0
  let height = 0
  let depth = 0
  let colorType = -1
  let interlace = 0
  const idat: Buffer[] = []
  while (pos + 8 <= bytes.length) {
    const len = bytes.readUInt32BE(pos)
    const type = bytes.toString('latin1', pos + 4, pos + 8)
    const body = pos + 8
    if (body + len + 4 > bytes.length) throw new Error(`truncated PNG (chunk ${type} runs past the end)`)
    if (type === 'IHDR') {
      width = bytes.readUInt32BE(body)
      height = bytes.readUInt32BE(body + 4)
      depth = bytes[body + 8]!
      colorType = bytes[body + 9]!
      interlace = bytes[body + 12]!
    } else if (type === 'IDAT') {
      idat.push(bytes.subarray(body, body + len))
    } else if (type === 'IEND') {
      break
    }
    pos = body + len + 4
  }
  if (colorType !== 0 && colorType !== 3) return null
  if (interlace !== 0) return null
  if (width === 0 || height === 0) throw new Error('PNG has no size')
  if (width * height > 0x3fff * 0x3fff) throw new Error(`mask is ${width}x${height}, too large`)
  let raw: Buffer
  try {
    raw = inflateSync(Buffer.concat(idat))
  } catch {
    throw new Error('truncated or corrupt PNG data')
  }
  const bpp = Math.max(1, depth / 8)
  const stride = Math.ceil((width * depth) / 8)
  if (raw.length < (stride + 1) * height) throw new Error('truncated PNG data')
  const out = new Uint8Array(width * height)
  const prev = new Uint8Array(stride)
  const cur = new Uint8Array(stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    unfilter(filter, line, cur, prev, bpp)
    for (let x = 0; x < width; x++) {
      let v: number
      if (depth === 16) {
        v = (cur[2 * x]! << 8) | cur[2 * x + 1]!
        if (v > 255) throw new Error(`mask value ${v} at (${x}, ${y}) is over 255`)
      } else if (depth === 8) {
        v = cur[x]!
      } else {
        const perByte = 8 / depth
        const byte = cur[Math.floor(x / perByte)]!
        const shift = 8 - depth * ((x % perByte) + 1)
        v = (byte >> shift) & ((1 << depth) - 1)
      }
      out[y * width + x] = v
    }
    prev.set(cur)
  }
  return { width, height, data: out }
}

function unfilter(filter: number, line: Uint8Array, cur: Uint8Array, prev: Uint8Array, bpp: number): void {
  for (let i = 0; i < line.length; i++) {
    const a = i >= bpp ? cur[i - bpp]! : 0
    const b = prev[i]!
    const c = i >= bpp ? prev[i - bpp]! : 0
    let pred = 0
    switch (filter) {
      case 0:
        pred = 0
        break
      case 1:
        pred = a
        break
      case 2:
        pred = b
        break
      case 3:
        pred = (a + b) >> 1
        break
      case 4: {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
        break
      }
      default:
        throw new Error(`corrupt PNG (unknown row filter ${filter})`)
    }
    cur[i] = (line[i]! + pred) & 0xff
  }
}
