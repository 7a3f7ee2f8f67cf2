import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { openImage } from '../../../shared/node/imaging/decode'

/**
 * How a frame's image goes into an export:
 * - original: the bytes as imported (labelme turns EXIF orientation upright itself);
 * - upright: the bytes as imported unless EXIF says to rotate, then an upright
 *   PNG (most training loaders ignore EXIF, and our coordinates are upright);
 * - png: always PNG, upright (anomalib's MVTec reader takes only .png).
 */
export type CopyMode = 'original' | 'upright' | 'png'

export interface FrameImageBytes {
  data: Buffer
  /** File extension to write, with the dot. */
  ext: string
  /** True when the bytes were decoded and written anew. */
  reencoded: boolean
}

export async function frameImageBytes(absPath: string, hash: string, mode: CopyMode): Promise<FrameImageBytes> {
  let bytes: Buffer
  try {
    bytes = await readFile(absPath)
  } catch (err) {
    throw new Error(`image file not readable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  if (createHash('sha256').update(bytes).digest('hex') !== hash) {
    throw new Error('the image file changed since it was imported (its content differs); import it again to export it')
  }
  const original: FrameImageBytes = { data: bytes, ext: extname(absPath), reencoded: false }
  if (mode === 'original') return original
  const img = await openImage(bytes)
  if (img.orientation <= 1 && (mode === 'upright' || img.format === 'png')) return original
  // zlib level 3: on a 1440x2560 frame a third of level 6's time for a file about 5% larger.
  return { data: await img.pipeline().png({ compressionLevel: 3 }).toBuffer(), ext: '.png', reencoded: true }
}
