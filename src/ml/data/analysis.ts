/**
 * Frames at the analysis scale: decoded once, resampled so the short side is
 * at most maxShortSide (native otherwise), kept as 8-bit RGB (a third of the
 * memory of floats), with the labels rasterised at the same scale by the
 * project's one rasteriser. Training crops, tiled inference and evaluation
 * all read these, so the model is scored on exactly the pixels it sees.
 */
import sharp from 'sharp'
import { analysisSize } from '../../shared/arcd/config'
import { rasterizeInto } from '../../shared/geometry/raster'
import type { ClassSpec, DatasetItem } from '../../shared/arcd/protocol'
import { decodeFrame } from './decode'

export interface AnalysisFrame {
  /** Row-major RGB at the analysis size, width*height*3. */
  rgb: Uint8Array
  width: number
  height: number
  /** Analysis pixels per frame pixel (1 = native). */
  scale: number
  srcWidth: number
  srcHeight: number
}

export async function loadAnalysisFrame(path: string, maxShortSide: number, expect?: { width: number; height: number }): Promise<AnalysisFrame> {
  const frame = await decodeFrame(path)
  if (expect && (frame.width !== expect.width || frame.height !== expect.height)) {
    // Polygons are in the coordinates of the size the caller recorded; a
    // different decoded size would silently misplace every label.
    throw new Error(`${path} decodes to ${frame.width}x${frame.height}, the dataset says ${expect.width}x${expect.height}`)
  }
  const a = analysisSize(frame.width, frame.height, maxShortSide)
  let rgb: Uint8Array = frame.data
  if (a.scale !== 1) {
    rgb = new Uint8Array(
      await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .resize(a.width, a.height, { fit: 'fill', kernel: 'lanczos3' })
        .raw()
        .toBuffer()
    )
  }
  return { rgb, width: a.width, height: a.height, scale: a.scale, srcWidth: frame.width, srcHeight: frame.height }
}

/**
 * width*height*K 0/1 targets at the analysis scale: channel k is class k of
 * `classes`. `classOf` maps an item polygon's classIndex to a channel (or -1
 * to drop it: a class the model has no output for).
 */
export function rasterizeLabels(
  item: DatasetItem,
  frame: Pick<AnalysisFrame, 'width' | 'height' | 'scale'>,
  classCount: number,
  classOf: (classIndex: number) => number = (i) => i
): Uint8Array {
  const { width, height, scale } = frame
  const out = new Uint8Array(width * height * classCount)
  const plane = new Uint8Array(width * height)
  const byChannel = new Map<number, number[][]>()
  for (const p of item.polygons) {
    const c = classOf(p.classIndex)
    if (c < 0) continue
    let list = byChannel.get(c)
    if (!list) byChannel.set(c, (list = []))
    list.push(scale === 1 ? p.points : p.points.map((v) => v * scale))
  }
  for (const [c, polys] of byChannel) {
    plane.fill(0)
    for (const poly of polys) rasterizeInto(plane, width, height, poly, 1)
    for (let i = 0; i < plane.length; i++) if (plane[i]) out[i * classCount + c] = 1
  }
  return out
}

/** Maps an item's class indices (into `from`) to channels of `to`, by name; -1 where `to` lacks the class. */
export function classMapper(from: readonly ClassSpec[], to: readonly ClassSpec[]): (classIndex: number) => number {
  const index = new Map(to.map((c, i) => [c.name, i]))
  const table = from.map((c) => index.get(c.name) ?? -1)
  return (i) => table[i] ?? -1
}
