import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { StudioError, type FrameImage } from '../../../shared/contract'
import { openImage } from '../../../shared/node/imaging/decode'
import { framePipeline, showsAsIs } from '../../../shared/node/imaging/pixels'

/**
 * The bytes the editor shows for a frame: the pixels the model sees
 * (framePipeline, shared with ml). Upright 8-bit JPEG and PNG files without
 * alpha show those pixels as they are and go out unchanged (no re-encode on
 * the hot path of a frame switch); rotated, alpha, 16-bit, BMP and TIFF
 * frames are converted once to PNG and cached by content hash.
 */
export async function frameImage(id: number, source: string, hash: string, cacheDir: string): Promise<FrameImage> {
  let bytes: Buffer
  try {
    bytes = await readFile(source)
  } catch (err) {
    throw new StudioError('not_found', `The frame's file is missing or unreadable: ${source} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  const img = await openImage(bytes)
  if (showsAsIs(img)) {
    return { id, width: img.width, height: img.height, mime: `image/${img.format}`, data: toBytes(bytes) }
  }
  // v2: since alpha is flattened like the model's input; older cached PNGs kept it.
  const cached = join(cacheDir, hash.slice(0, 2), `${hash}.v2.png`)
  if (existsSync(cached)) return { id, width: img.width, height: img.height, mime: 'image/png', data: toBytes(await readFile(cached)) }
  const png = await framePipeline(img).png({ compressionLevel: 1 }).toBuffer()
  mkdirSync(dirname(cached), { recursive: true })
  writeFileSync(`${cached}.tmp`, png)
  renameSync(`${cached}.tmp`, cached)
  return { id, width: img.width, height: img.height, mime: 'image/png', data: toBytes(png) }
}

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}
