import { rasterizeInto } from '../../../shared/geometry/raster'

export interface Size {
  width: number
  height: number
}

/**
 * One 0/1 mask per class id: the union of the frame's labels of that class,
 * rasterised with the shared rule at `size` (polygons scaled from frame
 * pixels when the maps are reduced).
 */
export function classMasks(labels: readonly { classId: number; points: readonly number[] }[], classIds: readonly number[], frame: Size, size: Size): Map<number, Uint8Array> {
  const sx = size.width / frame.width
  const sy = size.height / frame.height
  const out = new Map<number, Uint8Array>(classIds.map((id) => [id, new Uint8Array(size.width * size.height)]))
  for (const l of labels) {
    const mask = out.get(l.classId)
    if (!mask) continue
    const poly = sx === 1 && sy === 1 ? l.points : l.points.map((v, k) => (k % 2 === 0 ? v * sx : v * sy))
    rasterizeInto(mask, size.width, size.height, poly, 1)
  }
  return out
}
