import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import sharp from 'sharp'
import { StudioError, type FrameImage } from '../../../shared/contract'
import { openImage } from './decode'

/**
 * The bytes the editor shows for a frame. Upright JPEG and PNG files go out
 * as they are (no re-encode on the hot path of a frame switch); rotated,
 * BMP and TIFF frames are converted once to PNG and cached by content hash.
 */
export async function frameImage(id: number, source: string, hash: string, cacheDir: string): Promise<FrameImage> {
  let bytes: Buffer
  try {
    bytes = await readFile(source)
  } catch (err) {
    throw new StudioError('not_found', `The frame's file is missing or unreadable: ${source} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  const img = await openImage(bytes)
  const meta = img.format === 'bmp' ? null : await sharp(bytes).metadata()
  const upright = (meta?.orientation ?? 1) === 1
  if (upright && (img.format === 'jpeg' || img.format === 'png')) {
    return { id, width: img.width, height: img.height, mime: `image/${img.format}`, data: toBytes(bytes) }
  }
  const cached = join(cacheDir, hash.slice(0, 2), `${hash}.png`)
  if (existsSync(cached)) return { id, width: img.width, height: img.height, mime: 'image/png', data: toBytes(await readFile(cached)) }
  const png = await img.pipeline().png({ compressionLevel: 1 }).toBuffer()
  mkdirSync(dirname(cached), { recursive: true })
  writeFileSync(`${cached}.tmp`, png)
  renameSync(`${cached}.tmp`, cached)
  return { id, width: img.width, height: img.height, mime: 'image/png', data: toBytes(png) }
}

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}
