/**
 * Image files -> 8-bit RGB frames, through the one imaging module main uses
 * too (src/shared/node/imaging): the same format sniffing, header size
 * check, EXIF orientation, alpha and 16-bit handling, so the model sees the
 * pixels the editor shows and labels were drawn on.
 */
import { readFile } from 'node:fs/promises'
import { openImage } from '../../shared/node/imaging/decode'
import { framePixels, type RgbFrame } from '../../shared/node/imaging/pixels'

export type Frame = RgbFrame

export async function decodeFrame(path: string): Promise<Frame> {
  let bytes: Buffer
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
    return await framePixels(await openImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)))
  } catch (err) {
    throw new Error(`cannot decode image (${(err as Error).message})`)
  }
}
