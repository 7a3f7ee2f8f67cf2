/**
 * Image files -> 8-bit RGB frames. sharp handles PNG/JPEG/TIFF/WebP; BMP
 * (which sharp's prebuilt libvips cannot read) falls back to the project's
 * own decoder. Grey images are replicated to three channels so every model
 * sees RGB, and EXIF orientation is applied so labels drawn on the displayed
 * image line up with the pixels the model sees.
 */
import { readFile } from 'node:fs/promises'
import sharp from 'sharp'

export interface Frame {
  /** Row-major RGB, width*height*3. */
  data: Uint8Array
  width: number
  height: number
  channels: 3
}

export async function decodeFrame(path: string): Promise<Frame> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw new Error(`decodeFrame: cannot read ${path}: ${(err as Error).message}`)
  }
  try {
    return await decodeFrameBytes(bytes)
  } catch (err) {
    throw new Error(`decodeFrame: ${path}: ${(err as Error).message}`)
  }
}

/** Same as decodeFrame for bytes already in memory. */
export async function decodeFrameBytes(bytes: Uint8Array): Promise<Frame> {
  try {
    const { data, info } = await sharp(bytes)
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
    if (info.channels === 3) {
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 }
    }
    return { data: toRgb(data, info.width, info.height, info.channels), width: info.width, height: info.height, channels: 3 }
  } catch (err) {
    if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) return decodeBmpFrame(bytes)
    throw new Error(`cannot decode image (${(err as Error).message})`)
  }
}

async function decodeBmpFrame(bytes: Uint8Array): Promise<Frame> {
  // Loaded lazily: only BMP files need it.
  const { decodeBmp } = await import('../../shared/imaging/bmp')
  const bmp = decodeBmp(bytes)
  const data = bmp.channels === 3 ? bmp.data : toRgb(bmp.data, bmp.width, bmp.height, bmp.channels)
  return { data, width: bmp.width, height: bmp.height, channels: 3 }
}

/** Grey, grey+alpha or RGBA -> RGB (alpha dropped). */
function toRgb(src: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const n = width * height
  const out = new Uint8Array(n * 3)
  for (let i = 0; i < n; i++) {
    if (channels <= 2) {
      const g = src[i * channels]!
      out[i * 3] = g
      out[i * 3 + 1] = g
      out[i * 3 + 2] = g
    } else {
      out[i * 3] = src[i * channels]!
      out[i * 3 + 1] = src[i * channels + 1]!
      out[i * 3 + 2] = src[i * channels + 2]!
    }
  }
  return out
}
