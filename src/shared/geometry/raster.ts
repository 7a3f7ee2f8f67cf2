/**
 * The one polygon rasteriser. Display, export, training and metrics all call
 * this, so a mask means the same pixels wherever it is used.
 *
 * Coordinates: image pixel space with the origin at the top-left corner of
 * the top-left pixel. Pixel (i, j) covers [i, i+1) x [j, j+1); its centre is
 * (i + 0.5, j + 0.5). COCO uses the same convention; labelme/PIL put pixel
 * centres on integers, so their points are ours minus 0.5.
 *
 * Rule: a pixel belongs to a polygon when its centre lies inside the polygon
 * (even-odd) or exactly on its boundary (the polygon is closed). Consequences:
 * - a contour traced along pixel corners reproduces its mask exactly;
 * - a polygon whose vertices sit on pixel centres (the editor snaps there)
 *   keeps the pixels under its edges, as labelme's PIL fill does for
 *   axis-aligned and 45-degree edges. Other slopes keep fewer boundary pixels
 *   than PIL, which also draws a 1-px outline; see the README for the measured
 *   difference.
 * - parts outside the frame are clipped.
 */

/** A polygon as flat coordinates [x0, y0, x1, y1, ...] in image pixels. */
export type FlatPolygon = readonly number[]

const EPS = 1e-7

/**
 * Sets `value` into `mask` (row-major, width*height) for every pixel the
 * polygon covers. Later calls overwrite earlier ones, so callers decide the
 * overlap order by the order of their calls.
 */
export function rasterizeInto(
  mask: Uint8Array,
  width: number,
  height: number,
  poly: FlatPolygon,
  value = 1
): void {
  const n = Math.floor(poly.length / 2)
  if (n < 3 || width <= 0 || height <= 0) return
  let minY = Infinity
  let maxY = -Infinity
  for (let k = 0; k < n; k++) {
    const y = poly[2 * k + 1]!
    if (!Number.isFinite(y) || !Number.isFinite(poly[2 * k]!)) return
    if (y < minY) minY = y
    if (y > maxY) maxY = y
  }
  const j0 = Math.max(0, Math.ceil(minY - 0.5 - EPS))
  const j1 = Math.min(height - 1, Math.floor(maxY - 0.5 + EPS))
  const xs: number[] = []
  for (let j = j0; j <= j1; j++) {
    const cy = j + 0.5
    xs.length = 0
    // Interior by even-odd parity with half-open edges, so shared vertices count once.
    for (let k = 0; k < n; k++) {
      const ax = poly[2 * k]!
      const ay = poly[2 * k + 1]!
      const b = (k + 1) % n
      const bx = poly[2 * b]!
      const by = poly[2 * b + 1]!
      if (ay === by) continue
      const lo = ay < by ? ay : by
      const hi = ay < by ? by : ay
      if (cy < lo || cy >= hi) continue
      xs.push(ax + ((cy - ay) * (bx - ax)) / (by - ay))
    }
    xs.sort((p, q) => p - q)
    const row = j * width
    for (let s = 0; s + 1 < xs.length; s += 2) {
      fillSpan(mask, row, width, xs[s]!, xs[s + 1]!, value)
    }
    // Boundary: centres lying exactly on an edge belong to the polygon.
    for (let k = 0; k < n; k++) {
      const ax = poly[2 * k]!
      const ay = poly[2 * k + 1]!
      const b = (k + 1) % n
      const bx = poly[2 * b]!
      const by = poly[2 * b + 1]!
      const lo = ay < by ? ay : by
      const hi = ay < by ? by : ay
      if (cy < lo - EPS || cy > hi + EPS) continue
      if (Math.abs(by - ay) < EPS) {
        if (Math.abs(cy - ay) < EPS) fillSpan(mask, row, width, Math.min(ax, bx), Math.max(ax, bx), value)
        continue
      }
      const x = ax + ((cy - ay) * (bx - ax)) / (by - ay)
      const i = Math.round(x - 0.5)
      if (Math.abs(x - (i + 0.5)) < EPS && i >= 0 && i < width) mask[row + i] = value
    }
  }
}

function fillSpan(mask: Uint8Array, row: number, width: number, xa: number, xb: number, value: number): void {
  const i0 = Math.max(0, Math.ceil(xa - 0.5 - EPS))
  const i1 = Math.min(width - 1, Math.floor(xb - 0.5 + EPS))
  if (i1 >= i0) mask.fill(value, row + i0, row + i1 + 1)
}

/** A fresh 0/1 mask of one polygon. */
export function rasterizePolygon(poly: FlatPolygon, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height)
  rasterizeInto(mask, width, height, poly, 1)
  return mask
}

/** Number of pixels the polygon covers, by the same rule. */
export function rasterArea(poly: FlatPolygon, width: number, height: number): number {
  const mask = rasterizePolygon(poly, width, height)
  let count = 0
  for (let i = 0; i < mask.length; i++) count += mask[i]!
  return count
}

/** Geometric (shoelace) area, for display and sorting. */
export function polygonArea(poly: FlatPolygon): number {
  const n = Math.floor(poly.length / 2)
  let a = 0
  for (let k = 0; k < n; k++) {
    const b = (k + 1) % n
    a += poly[2 * k]! * poly[2 * b + 1]! - poly[2 * b]! * poly[2 * k + 1]!
  }
  return Math.abs(a) / 2
}

/** Integer bounding box [x, y, w, h] of the covered pixels, or null if none. */
export function rasterBBox(poly: FlatPolygon, width: number, height: number): [number, number, number, number] | null {
  const mask = rasterizePolygon(poly, width, height)
  let x0 = width
  let y0 = height
  let x1 = -1
  let y1 = -1
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      if (mask[j * width + i]) {
        if (i < x0) x0 = i
        if (i > x1) x1 = i
        if (j < y0) y0 = j
        if (j > y1) y1 = j
      }
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1]
}
