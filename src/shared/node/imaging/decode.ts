/**
 * Image bytes -> an opened image, for main and ml alike: the content decides
 * the format, the header's size is checked before a pixel is decoded, and
 * the pipeline is upright by EXIF orientation. Node-only (sharp).
 */
import sharp from 'sharp'
import type { Metadata, Sharp } from 'sharp'
import { decodeBmp } from '../../imaging/bmp'
import { formatName, READABLE_FORMATS, sniffFormat } from './sniff'

/** sharp's own default pixel limit (16383 x 16383); bigger frames are refused, not decoded. */
export const MAX_PIXELS = 0x3fff * 0x3fff

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError'
}

export interface OpenedImage {
  /** A sharp pipeline already turned upright by its EXIF orientation. */
  pipeline: () => Sharp
  /** Size as displayed, after EXIF orientation. */
  width: number
  height: number
  format: string
  /** Pages in the file (multi-page TIFF); only the first is read. */
  pages: number
  /** EXIF orientation as stored (1: upright). */
  orientation: number
  /** Sample depth as libvips names it ('uchar' for 8 bits, 'ushort' for 16). */
  depth: string
  hasAlpha: boolean
  /** libvips' interpretation of the stored pixels ('srgb', 'b-w', 'cmyk', 'rgb16', 'grey16', ...). */
  space: string
}

export const NOT_AN_IMAGE = 'not an image this app reads (JPEG, PNG, BMP or TIFF expected)'

/**
 * Opens image bytes for reading, with a clear reason when they can't be:
 * sharp handles JPEG/PNG/TIFF (and EXIF orientation); BMP, which sharp's
 * bundled libvips lacks, goes through our own decoder.
 */
export async function openImage(bytes: Buffer): Promise<OpenedImage> {
  if (bytes.length === 0) throw new ImageDecodeError('empty file (0 bytes)')
  // The content decides: sharp would also read SVG, HEIF or GIF given the chance, under any name.
  const sniffed = sniffFormat(bytes)
  if (sniffed === null) throw new ImageDecodeError(NOT_AN_IMAGE)
  if (!READABLE_FORMATS.has(sniffed)) throw new ImageDecodeError(`a ${formatName(sniffed)} image: ${NOT_AN_IMAGE}`)
  if (sniffed === 'bmp') {
    let bmp: ReturnType<typeof decodeBmp>
    try {
      bmp = decodeBmp(bytes)
    } catch (err) {
      throw new ImageDecodeError(`unreadable BMP: ${(err as Error).message}`)
    }
    const raw = { width: bmp.width, height: bmp.height, channels: bmp.channels }
    return {
      pipeline: () => sharp(bmp.data, { raw }),
      width: bmp.width,
      height: bmp.height,
      format: 'bmp',
      pages: 1,
      orientation: 1,
      depth: 'uchar',
      hasAlpha: bmp.channels === 4,
      space: 'srgb'
    }
  }
  let meta: Metadata
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata()
  } catch (err) {
    throw new ImageDecodeError(explain((err as Error).message))
  }
  if (!meta.width || !meta.height) throw new ImageDecodeError('image has no size in its header')
  if (meta.width * meta.height > MAX_PIXELS) {
    throw new ImageDecodeError(
      `image is ${meta.width}x${meta.height} (${Math.round((meta.width * meta.height) / 1e6)} Mpx), over the ${Math.round(MAX_PIXELS / 1e6)} Mpx limit`
    )
  }
  const swap = (meta.orientation ?? 1) >= 5
  return {
    pipeline: () => sharp(bytes, { failOn: 'warning' }).rotate(),
    width: swap ? meta.height : meta.width,
    height: swap ? meta.width : meta.height,
    format: meta.format ?? 'unknown',
    pages: meta.pages ?? 1,
    orientation: meta.orientation ?? 1,
    depth: meta.depth ?? 'uchar',
    hasAlpha: meta.hasAlpha ?? false,
    space: meta.space ?? 'srgb'
  }
}

/** Turns libvips' wording into a reason an inspector can act on. */
export function explain(message: string): string {
  const m = message.toLowerCase()
  if (m.includes('unsupported image format')) return NOT_AN_IMAGE
  if (m.includes('premature end') || m.includes('truncated') || m.includes('unexpected end')) return 'truncated or corrupt image data'
  if (m.includes('pixel limit')) return 'image too large to decode'
  return `corrupt image: ${message.split('\n')[0]}`
}
