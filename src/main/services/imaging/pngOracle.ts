/**
 * A deliberately small PNG reader for tests: 8-bit grey, RGB, palette
 * (indices, not colours) and RGBA, no interlace. It shares no code with
 * sharp or maskPng.ts, so a test can check those against it instead of
 * against themselves.
 */
import { inflateSync } from 'node:zlib'

export interface OraclePng {
  width: number
  height: number
  /** Samples per pixel as stored (palette: 1, the index). */
  channels: number
  colourType: number
  data: Uint8Array
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }

export function readPngOracle(file: Uint8Array): OraclePng {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength)
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG')
  let at = 8
  let width = 0
  let height = 0
  let colourType = -1
  const idat: Buffer[] = []
  while (at < buf.length) {
    const len = buf.readUInt32BE(at)
    const type = buf.toString('latin1', at + 4, at + 8)
    const body = buf.subarray(at + 8, at + 8 + len)
    if (type === 'IHDR') {
      width = body.readUInt32BE(0)
      height = body.readUInt32BE(4)
      if (body[8] !== 8) throw new Error(`oracle reads 8-bit PNGs only, got ${body[8]}`)
      colourType = body[9]!
      if (body[12] !== 0) throw new Error('oracle does not read interlaced PNGs')
    } else if (type === 'IDAT') idat.push(body)
    else if (type === 'IEND') break
    at += 12 + len
  }
  const channels = CHANNELS[colourType]
  if (channels === undefined) throw new Error(`colour type ${colourType}`)
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const out = new Uint8Array(stride * height)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels]! : 0
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels]! : 0
      let pred = 0
      if (filter === 1) pred = a
      else if (filter === 2) pred = b
      else if (filter === 3) pred = (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      } else if (filter !== 0) throw new Error(`filter ${filter}`)
      out[y * stride + x] = (line[x]! + pred) & 255
    }
  }
  return { width, height, channels, colourType, data: out }
}
