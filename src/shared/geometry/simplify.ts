/**
 * Ramer-Douglas-Peucker simplification of closed rings. Traced contours have
 * a vertex at every pixel step; the editor needs far fewer (Label Studio hangs
 * on 6000-point predictions), so traced rings pass through here.
 */
import type { FlatPolygon } from './raster'

/**
 * Simplifies a closed ring so every dropped vertex lies within `tolerance`
 * pixels of the kept ring's segment that replaced it. Tolerance 0 drops only
 * duplicate points and vertices in the middle of a straight run.
 *
 * The ring is split at two far-apart vertices (the topmost-leftmost one and
 * the vertex farthest from it), which are always kept, and each half goes
 * through RDP. If RDP would leave only those two, the vertex farthest from
 * their chord is kept too, so a ring with area never collapses to a segment.
 * The result does not repeat the first point at the end. It may
 * self-intersect for thin shapes; callers needing a simple ring check with
 * isSimple (polygon.ts).
 */
export function simplifyPolygon(poly: FlatPolygon, tolerance: number): number[] {
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw new RangeError(`simplifyPolygon: tolerance must be a finite number >= 0, got ${tolerance}`)
  }
  const ring = withoutDuplicates(poly)
  const n = ring.length / 2
  if (n <= 3) return ring
  if (tolerance === 0) return withoutStraightVertices(ring)

  let a = 0
  for (let k = 1; k < n; k++) {
    const y = ring[2 * k + 1]!
    const ya = ring[2 * a + 1]!
    if (y < ya || (y === ya && ring[2 * k]! < ring[2 * a]!)) a = k
  }
  let b = a
  let best = -1
  for (let k = 0; k < n; k++) {
    const d = sq(ring[2 * k]! - ring[2 * a]!) + sq(ring[2 * k + 1]! - ring[2 * a + 1]!)
    if (d > best) {
      best = d
      b = k
    }
  }
  if (best === 0) return [ring[2 * a]!, ring[2 * a + 1]!]

  // Work in "unrolled" indices a..a+n so both halves are plain ranges.
  const keep = new Uint8Array(n)
  keep[a] = 1
  keep[b] = 1
  const bu = b > a ? b : b + n
  const tol2 = tolerance * tolerance
  const stack: number[] = [a, bu, bu, a + n]
  while (stack.length > 0) {
    const j = stack.pop()!
    const i = stack.pop()!
    if (j - i < 2) continue
    const ai = i % n
    const aj = j % n
    let far = -1
    let farD = -1
    for (let m = i + 1; m < j; m++) {
      const k = m % n
      const d = segmentDistance2(ring, k, ai, aj)
      if (d > farD) {
        farD = d
        far = m
      }
    }
    if (farD > tol2) {
      keep[far % n] = 1
      stack.push(i, far, far, j)
    }
  }

  let kept = 0
  for (let k = 0; k < n; k++) kept += keep[k]!
  if (kept < 3) {
    let far = -1
    let farD = 0
    for (let k = 0; k < n; k++) {
      const d = segmentDistance2(ring, k, a, b)
      if (d > farD) {
        farD = d
        far = k
      }
    }
    if (far >= 0) keep[far] = 1
  }
  const out: number[] = []
  for (let k = 0; k < n; k++) if (keep[k]) out.push(ring[2 * k]!, ring[2 * k + 1]!)
  return out
}

function sq(v: number): number {
  return v * v
}

/** Squared distance from vertex k to the segment between vertices a and b. */
function segmentDistance2(r: number[], k: number, a: number, b: number): number {
  const px = r[2 * k]!
  const py = r[2 * k + 1]!
  const ax = r[2 * a]!
  const ay = r[2 * a + 1]!
  const dx = r[2 * b]! - ax
  const dy = r[2 * b + 1]! - ay
  const len2 = dx * dx + dy * dy
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2
  if (t < 0) t = 0
  else if (t > 1) t = 1
  return sq(px - ax - t * dx) + sq(py - ay - t * dy)
}

function withoutDuplicates(poly: FlatPolygon): number[] {
  const out: number[] = []
  for (let k = 0; k + 1 < poly.length; k += 2) {
    const x = poly[k]!
    const y = poly[k + 1]!
    const m = out.length
    if (m >= 2 && out[m - 2] === x && out[m - 1] === y) continue
    out.push(x, y)
  }
  while (out.length >= 4 && out[0] === out[out.length - 2] && out[1] === out[out.length - 1]) out.length -= 2
  return out
}

/**
 * Removes vertices where the ring carries straight on. A vertex where it
 * doubles back (a spike) is kept: the spike's edges still cover the pixel
 * centres they pass through.
 */
function withoutStraightVertices(ring: number[]): number[] {
  let pts = ring
  for (;;) {
    const n = pts.length / 2
    if (n <= 3) return pts
    const out: number[] = []
    for (let k = 0; k < n; k++) {
      const p = (k + n - 1) % n
      const q = (k + 1) % n
      const ux = pts[2 * k]! - pts[2 * p]!
      const uy = pts[2 * k + 1]! - pts[2 * p + 1]!
      const vx = pts[2 * q]! - pts[2 * k]!
      const vy = pts[2 * q + 1]! - pts[2 * k + 1]!
      if (ux * vy - uy * vx === 0 && ux * vx + uy * vy > 0) continue
      out.push(pts[2 * k]!, pts[2 * k + 1]!)
    }
    // Removing a vertex never makes its neighbours straight, except in rings
    // that were already degenerate; one more pass settles those.
    if (out.length === pts.length) return out
    pts = out
  }
}
