/**
 * Polygon checks and fixes shared by the editor, import, export and tracing.
 * Polygons are flat [x0, y0, x1, y1, ...] rings in image pixels, origin at the
 * top-left corner of the top-left pixel (see raster.ts); the closing edge is
 * implied.
 */
import type { FlatPolygon } from './raster'

export interface BBox {
  minX: number
  minY: number
  maxX: number
  maxY: number
}

export interface ClipResult {
  /** The clipped ring; empty when nothing of the polygon lies inside the frame. */
  polygon: number[]
  /** True when any vertex lay outside [0,w]x[0,h], i.e. the frame cut something off. */
  clipped: boolean
}

/** At least three distinct points, all coordinates finite, and an even number of values. */
export function isValidPolygon(poly: FlatPolygon): boolean {
  if (poly.length % 2 !== 0 || poly.length < 6) return false
  for (let k = 0; k < poly.length; k++) if (!Number.isFinite(poly[k]!)) return false
  const seen = new Set<string>()
  for (let k = 0; k < poly.length; k += 2) {
    seen.add(`${poly[k]},${poly[k + 1]}`)
    if (seen.size >= 3) return true
  }
  return false
}

/** Axis-aligned bounds of the vertices, or null for a polygon without a finite vertex. */
export function polygonBBox(poly: FlatPolygon): BBox | null {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let k = 0; k + 1 < poly.length; k += 2) {
    const x = poly[k]!
    const y = poly[k + 1]!
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
  }
  return minX > maxX ? null : { minX, minY, maxX, maxY }
}

/**
 * The centre of the pixel containing (x, y). With a frame, the result is
 * clamped to the frame's outermost pixel centres, so a click just outside the
 * image still lands on an edge pixel.
 */
export function snapToPixelCentre(
  x: number,
  y: number,
  frame?: { width: number; height: number }
): [number, number] {
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    throw new RangeError(`snapToPixelCentre: coordinates must be finite, got (${x}, ${y})`)
  }
  let i = Math.floor(x)
  let j = Math.floor(y)
  if (frame) {
    if (!(frame.width >= 1 && frame.height >= 1)) {
      throw new RangeError(`snapToPixelCentre: frame must be at least 1x1, got ${frame.width}x${frame.height}`)
    }
    i = Math.min(Math.max(i, 0), Math.floor(frame.width) - 1)
    j = Math.min(Math.max(j, 0), Math.floor(frame.height) - 1)
  }
  return [i + 0.5, j + 0.5]
}

/**
 * Sutherland-Hodgman clip against [0,w]x[0,h]. A concave polygon leaving and
 * re-entering the frame comes back as one ring with zero-width runs along the
 * frame edge; those cover no pixel centre, so rasterising is unaffected.
 */
export function clipToFrame(poly: FlatPolygon, width: number, height: number): ClipResult {
  let pts: number[] = []
  for (let k = 0; k + 1 < poly.length; k += 2) pts.push(poly[k]!, poly[k + 1]!)
  let clipped = false
  for (let k = 0; k < pts.length; k += 2) {
    const x = pts[k]!
    const y = pts[k + 1]!
    if (!(x >= 0 && x <= width && y >= 0 && y <= height)) clipped = true
  }
  if (!clipped) return { polygon: dedupeRing(pts), clipped: false }
  // Each edge of the frame as "inside" test plus intersection along one axis.
  pts = clipHalfPlane(pts, 0, 0, 1) // x >= 0
  pts = clipHalfPlane(pts, 0, width, -1) // x <= width
  pts = clipHalfPlane(pts, 1, 0, 1) // y >= 0
  pts = clipHalfPlane(pts, 1, height, -1) // y <= height
  const ring = dedupeRing(pts)
  return { polygon: ring.length >= 6 ? ring : [], clipped: true }
}

/** Keeps the part where sign * (coord[axis] - bound) >= 0. */
function clipHalfPlane(pts: number[], axis: 0 | 1, bound: number, sign: 1 | -1): number[] {
  const n = pts.length / 2
  const out: number[] = []
  if (n === 0) return out
  const inside = (k: number): boolean => sign * (pts[2 * k + axis]! - bound) >= 0
  for (let k = 0; k < n; k++) {
    const p = (k + n - 1) % n
    const curIn = inside(k)
    const prevIn = inside(p)
    if (curIn !== prevIn) {
      const ax = pts[2 * p]!
      const ay = pts[2 * p + 1]!
      const bx = pts[2 * k]!
      const by = pts[2 * k + 1]!
      const a = axis === 0 ? ax : ay
      const b = axis === 0 ? bx : by
      const t = (bound - a) / (b - a)
      // Set the clipped coordinate exactly, so the point lies on the frame edge.
      if (axis === 0) out.push(bound, ay + t * (by - ay))
      else out.push(ax + t * (bx - ax), bound)
    }
    if (curIn) out.push(pts[2 * k]!, pts[2 * k + 1]!)
  }
  return out
}

/** Drops consecutive duplicate points, including a closing point equal to the first. */
function dedupeRing(pts: number[]): number[] {
  const out: number[] = []
  for (let k = 0; k + 1 < pts.length; k += 2) {
    const x = pts[k]!
    const y = pts[k + 1]!
    const m = out.length
    if (m >= 2 && out[m - 2] === x && out[m - 1] === y) continue
    out.push(x, y)
  }
  while (out.length >= 4 && out[0] === out[out.length - 2] && out[1] === out[out.length - 1]) out.length -= 2
  return out
}

/**
 * True when the ring does not cross or touch itself: non-adjacent edges share
 * no point, and adjacent edges share only their common vertex (no spike that
 * doubles back). Consecutive duplicate vertices are ignored. Fewer than three
 * distinct vertices is not simple.
 *
 * Edges are bucketed on a uniform grid and only edges sharing a cell are
 * compared: close to linear for traced contours, O(n^2) in the worst case.
 */
export function isSimple(poly: FlatPolygon): boolean {
  const ring = dedupeRing(poly.slice(0, poly.length - (poly.length % 2)))
  const n = ring.length / 2
  if (n < 3) return false
  for (let k = 0; k < ring.length; k++) if (!Number.isFinite(ring[k]!)) return false
  // Adjacent edges: only a reversal along the same line makes them overlap.
  for (let k = 0; k < n; k++) {
    const p = (k + n - 1) % n
    const q = (k + 1) % n
    const ux = ring[2 * k]! - ring[2 * p]!
    const uy = ring[2 * k + 1]! - ring[2 * p + 1]!
    const vx = ring[2 * q]! - ring[2 * k]!
    const vy = ring[2 * q + 1]! - ring[2 * k + 1]!
    if (ux * vy - uy * vx === 0 && ux * vx + uy * vy < 0) return false
  }
  if (n === 3) return true

  const bb = polygonBBox(ring)!
  const side = Math.max(1, Math.ceil(Math.sqrt(n)))
  const cw = (bb.maxX - bb.minX) / side || 1
  const ch = (bb.maxY - bb.minY) / side || 1
  const cellOf = (v: number, min: number, size: number): number => Math.min(side - 1, Math.floor((v - min) / size))
  const range = new Int32Array(4 * n)
  const counts = new Int32Array(side * side + 1)
  let total = 0
  for (let e = 0; e < n; e++) {
    const f = (e + 1) % n
    const x0 = cellOf(Math.min(ring[2 * e]!, ring[2 * f]!), bb.minX, cw)
    const x1 = cellOf(Math.max(ring[2 * e]!, ring[2 * f]!), bb.minX, cw)
    const y0 = cellOf(Math.min(ring[2 * e + 1]!, ring[2 * f + 1]!), bb.minY, ch)
    const y1 = cellOf(Math.max(ring[2 * e + 1]!, ring[2 * f + 1]!), bb.minY, ch)
    range[4 * e] = x0
    range[4 * e + 1] = x1
    range[4 * e + 2] = y0
    range[4 * e + 3] = y1
    total += (x1 - x0 + 1) * (y1 - y0 + 1)
  }
  // Many long edges (a star, say) would fill every cell: compare all pairs instead.
  if (total > 16 * n + 1024) return noPairTouches(ring, n)
  for (let e = 0; e < n; e++) {
    for (let cy = range[4 * e + 2]!; cy <= range[4 * e + 3]!; cy++) {
      for (let cx = range[4 * e]!; cx <= range[4 * e + 1]!; cx++) counts[cy * side + cx + 1]!++
    }
  }
  for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!
  const fill = counts.slice(0, side * side)
  const items = new Int32Array(counts[side * side]!)
  for (let e = 0; e < n; e++) {
    for (let cy = range[4 * e + 2]!; cy <= range[4 * e + 3]!; cy++) {
      for (let cx = range[4 * e]!; cx <= range[4 * e + 1]!; cx++) items[fill[cy * side + cx]!++] = e
    }
  }
  for (let c = 0; c < side * side; c++) {
    const start = counts[c]!
    const end = counts[c + 1]!
    for (let a = start; a < end; a++) {
      const e = items[a]!
      for (let b = a + 1; b < end; b++) {
        const g = items[b]!
        const d = Math.abs(e - g)
        if (d === 1 || d === n - 1) continue
        if (segmentsTouch(ring, e, (e + 1) % n, g, (g + 1) % n)) return false
      }
    }
  }
  return true
}

function noPairTouches(ring: number[], n: number): boolean {
  for (let e = 0; e < n; e++) {
    for (let g = e + 2; g < n; g++) {
      if (e === 0 && g === n - 1) continue
      if (segmentsTouch(ring, e, (e + 1) % n, g, (g + 1) % n)) return false
    }
  }
  return true
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
  return v > 0 ? 1 : v < 0 ? -1 : 0
}

function onSegment(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  return Math.min(ax, bx) <= cx && cx <= Math.max(ax, bx) && Math.min(ay, by) <= cy && cy <= Math.max(ay, by)
}

/** Whether segments (a,b) and (c,d), given as vertex indices, share any point. */
function segmentsTouch(r: number[], a: number, b: number, c: number, d: number): boolean {
  const ax = r[2 * a]!
  const ay = r[2 * a + 1]!
  const bx = r[2 * b]!
  const by = r[2 * b + 1]!
  const cx = r[2 * c]!
  const cy = r[2 * c + 1]!
  const dx = r[2 * d]!
  const dy = r[2 * d + 1]!
  if (Math.max(ax, bx) < Math.min(cx, dx) || Math.max(cx, dx) < Math.min(ax, bx)) return false
  if (Math.max(ay, by) < Math.min(cy, dy) || Math.max(cy, dy) < Math.min(ay, by)) return false
  const o1 = orient(ax, ay, bx, by, cx, cy)
  const o2 = orient(ax, ay, bx, by, dx, dy)
  const o3 = orient(cx, cy, dx, dy, ax, ay)
  const o4 = orient(cx, cy, dx, dy, bx, by)
  if (o1 !== o2 && o3 !== o4) return true
  if (o1 === 0 && onSegment(ax, ay, bx, by, cx, cy)) return true
  if (o2 === 0 && onSegment(ax, ay, bx, by, dx, dy)) return true
  if (o3 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) return true
  if (o4 === 0 && onSegment(cx, cy, dx, dy, bx, by)) return true
  return false
}

/** Even-odd point in polygon, the same parity rule the rasteriser uses (the editor's hit test and the accept service pick pieces by it). */
export function pointInPolygon(points: readonly number[], x: number, y: number): boolean {
  const n = points.length >> 1
  let inside = false
  for (let k = 0, p = n - 1; k < n; p = k++) {
    const ax = points[2 * k]!
    const ay = points[2 * k + 1]!
    const bx = points[2 * p]!
    const by = points[2 * p + 1]!
    if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside
  }
  return inside
}
