import { polygonBBox } from '../../../shared/geometry/polygon'
import { rasterizeInto, type FlatPolygon } from '../../../shared/geometry/raster'

export interface RasterStats {
  /** Pixels the polygon covers, by the one rasteriser (rasterArea). */
  area: number
  /** [x, y, w, h] of those pixels (rasterBBox), null when it covers none. */
  bbox: [number, number, number, number] | null
}

/**
 * rasterArea and rasterBBox in one pass of the same rasteriser, on a frame-size
 * scratch mask that is left all zero again: only the window around the
 * polygon's vertices can hold covered pixels, so only it is read and cleared.
 */
export function rasterStats(poly: FlatPolygon, width: number, height: number, scratch: Uint8Array): RasterStats {
  const box = polygonBBox(poly)
  if (!box) return { area: 0, bbox: null }
  rasterizeInto(scratch, width, height, poly, 1)
  // A covered pixel's centre lies within the vertex bounds, so its index lies within one pixel of them.
  const i0 = Math.max(0, Math.floor(box.minX) - 1)
  const i1 = Math.min(width - 1, Math.ceil(box.maxX))
  const j0 = Math.max(0, Math.floor(box.minY) - 1)
  const j1 = Math.min(height - 1, Math.ceil(box.maxY))
  let area = 0
  let x0 = width
  let y0 = height
  let x1 = -1
  let y1 = -1
  for (let j = j0; j <= j1; j++) {
    const row = j * width
    for (let i = i0; i <= i1; i++) {
      if (!scratch[row + i]) continue
      scratch[row + i] = 0
      area++
      if (i < x0) x0 = i
      if (i > x1) x1 = i
      if (j < y0) y0 = j
      if (j > y1) y1 = j
    }
  }
  return { area, bbox: x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1] }
}
