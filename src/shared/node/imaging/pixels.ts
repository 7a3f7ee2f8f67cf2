/**
 * The pixels of a frame, as the model trains on them and the editor shows
 * them: upright by EXIF orientation, 8-bit sRGB, three channels. Main
 * (the editor's frame bytes) and ml (training, inference) both go through
 * framePipeline, so they cannot disagree on any pixel:
 * - alpha is flattened onto black (what the thumbnails always did; dropping
 *   it instead would train on colours the editor never shows);
 * - 16-bit samples keep their high byte (libvips' conversion to 8 bits);
 * - grey is replicated to RGB, CMYK converted to sRGB.
 */
import type { Sharp } from 'sharp'
import { ImageDecodeError, explain, type OpenedImage } from './decode'

export interface RgbFrame {
  /** Row-major RGB, width * height * 3. */
  data: Uint8Array
  width: number
  height: number
  channels: 3
}

/** The one pipeline from an opened image to the pixels everybody sees. */
export function framePipeline(img: OpenedImage): Sharp {
  return img.pipeline().flatten({ background: '#000000' }).toColourspace('srgb')
}

export async function framePixels(img: OpenedImage): Promise<RgbFrame> {
  let out: { data: Buffer; info: { width: number; height: number; channels: number } }
  try {
    out = await framePipeline(img).raw().toBuffer({ resolveWithObject: true })
  } catch (err) {
    throw new ImageDecodeError(explain((err as Error).message))
  }
  if (out.info.channels !== 3) throw new ImageDecodeError(`decoded to ${out.info.channels} channels, expected 3`)
  return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length), width: out.info.width, height: out.info.height, channels: 3 }
}

/**
 * Whether a browser shows the file's own bytes as exactly framePipeline's
 * pixels, so the editor can be sent the file unchanged: an upright 8-bit
 * JPEG or PNG in sRGB or grey without alpha. Anything else (rotated, alpha,
 * 16-bit, CMYK, TIFF, BMP) is sent as framePipeline's PNG.
 */
export function showsAsIs(img: OpenedImage): boolean {
  if (img.orientation !== 1 || img.hasAlpha || img.depth !== 'uchar') return false
  if (img.space !== 'srgb' && img.space !== 'b-w') return false
  return img.format === 'jpeg' || img.format === 'png'
}
