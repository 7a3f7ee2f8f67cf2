import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'ds-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/**
 * An 8-bit PNG of raw sample values: colour type 3 (palette) or 0 (grey).
 * sharp can't write exact palette indices, and class-index masks need them.
 */
export function encodeIndexedPng(values: Uint8Array, width: number, height: number, palette = true): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8
  ihdr[9] = palette ? 3 : 0
  const raw = Buffer.alloc((width + 1) * height)
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = y % 2 // alternate filters None/Sub to exercise the decoder
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x]!
      const left = x > 0 ? values[y * width + x - 1]! : 0
      raw[y * (width + 1) + 1 + x] = y % 2 ? (v - left) & 0xff : v
    }
  }
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)]
  if (palette) {
    const plte = Buffer.alloc(256 * 3)
    for (let i = 0; i < 256; i++) plte.set([(i * 47) & 255, (i * 91) & 255, (i * 13) & 255], i * 3)
    parts.push(chunk('PLTE', plte))
  }
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)))
  return Buffer.concat(parts)
}
