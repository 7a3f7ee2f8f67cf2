import { join } from 'node:path'
import { writeFileAtomic } from '../diskWrites'
import { ImageDecodeError, explain, openImage } from '../../../shared/node/imaging/decode'

export const THUMB_SIZE = 256

export function thumbnailPath(thumbDir: string, hash: string): string {
  // Two-level fan-out keeps folders small at 20,000+ frames.
  return join(thumbDir, hash.slice(0, 2), `${hash}.jpg`)
}

/**
 * Decodes the whole image (so truncated data fails here, not later in the
 * grid), writes a JPEG thumbnail atomically and returns its bytes.
 */
export async function makeThumbnail(source: Buffer, file: string): Promise<Buffer> {
  const img = await openImage(source)
  let data: Buffer
  try {
    data = await img
      .pipeline()
      .resize({ width: THUMB_SIZE, height: THUMB_SIZE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#000000' })
      .jpeg({ quality: 80 })
      .toBuffer()
  } catch (err) {
    throw new ImageDecodeError(explain((err as Error).message))
  }
  writeFileAtomic(file, data)
  return data
}
