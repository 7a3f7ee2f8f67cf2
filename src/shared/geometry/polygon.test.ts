import { describe, expect, it } from 'vitest'
import { clipToFrame, isSimple, isValidPolygon, polygonBBox, snapToPixelCentre } from './polygon'
import { rasterizePolygon, type FlatPolygon } from './raster'

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** All-pairs statement of "simple", independent of the grid in isSimple. */
function simpleByBruteForce(poly: FlatPolygon): boolean {
  const pts: Array<[number, number]> = []
  for (let k = 0; k < poly.length; k += 2) {
    const p: [number, number] = [poly[k]!, poly[k + 1]!]
    const last = pts[pts.length - 1]
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p)
  }
  while (pts.length > 1 && pts[0]![0] === pts[pts.length - 1]![0] && pts[0]![1] === pts[pts.length - 1]![1]) pts.pop()
  const n = pts.length
  if (n < 3) return false
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
  const within = (a: [number, number], b: [number, number], p: [number, number]): boolean =>
    Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1])
  const touch = (a: [number, number], b: [number, number], c: [number, number], d: [number, number]): boolean => {
    const d1 = Math.sign(cross(a, b, c))
    const d2 = Math.sign(cross(a, b, d))
    const d3 = Math.sign(cross(c, d, a))
    const d4 = Math.sign(cross(c, d, b))
    if (d1 * d2 < 0 && d3 * d4 < 0) return true
    return (
      (d1 === 0 && within(a, b, c)) ||
      (d2 === 0 && within(a, b, d)) ||
      (d3 === 0 && within(c, d, a)) ||
      (d4 === 0 && within(c, d, b))
    )
  }
  for (let i = 0; i < n; i++) {
    const a = pts[i]!
    const b = pts[(i + 1) % n]!
    for (let j = i + 1; j < n; j++) {
      const c = pts[j]!
      const d = pts[(j + 1) % n]!
      if (j === i + 1 || (i === 0 && j === n - 1)) {
        // Adjacent: they must not overlap beyond the shared vertex.
        const [p, v, q] = j === i + 1 ? [a, b, d] : [c, a, b]
        const ux = v[0] - p[0]
        const uy = v[1] - p[1]
        const wx = q[0] - v[0]
        const wy = q[1] - v[1]
        if (ux * wy - uy * wx === 0 && ux * wx + uy * wy < 0) return false
        continue
      }
      if (touch(a, b, c, d)) return false
    }
  }
  return true
}

describe('isValidPolygon', () => {
  it('needs three distinct finite points', () => {
    expect(isValidPolygon([0, 0, 1, 0, 0, 1])).toBe(true)
    expect(isValidPolygon([0, 0, 1, 0, 1, 0, 0, 1])).toBe(true)
    expect(isValidPolygon([0, 0, 1, 0])).toBe(false)
    expect(isValidPolygon([0, 0, 1, 0, 1, 0, 0, 0])).toBe(false)
    expect(isValidPolygon([0, 0, 1, 0, NaN, 1])).toBe(false)
    expect(isValidPolygon([0, 0, 1, 0, 1, Infinity])).toBe(false)
    expect(isValidPolygon([0, 0, 1, 0, 0, 1, 5])).toBe(false)
    expect(isValidPolygon([])).toBe(false)
  })
})

describe('polygonBBox', () => {
  it('bounds the vertices, skipping non-finite ones', () => {
    expect(polygonBBox([3, 4, -1, 2, 5, 9])).toEqual({ minX: -1, minY: 2, maxX: 5, maxY: 9 })
    expect(polygonBBox([1, 1, NaN, 50, 2, 3])).toEqual({ minX: 1, minY: 1, maxX: 2, maxY: 3 })
    expect(polygonBBox([])).toBeNull()
    expect(polygonBBox([NaN, NaN])).toBeNull()
  })
})

describe('snapToPixelCentre', () => {
  it('returns the centre of the pixel holding the point', () => {
    expect(snapToPixelCentre(3.2, 4.9)).toEqual([3.5, 4.5])
    expect(snapToPixelCentre(2, 2)).toEqual([2.5, 2.5])
    expect(snapToPixelCentre(-0.2, 0)).toEqual([-0.5, 0.5])
  })

  it('clamps into the frame when given one', () => {
    const frame = { width: 10, height: 8 }
    expect(snapToPixelCentre(-3, 100, frame)).toEqual([0.5, 7.5])
    expect(snapToPixelCentre(10, 8, frame)).toEqual([9.5, 7.5])
    expect(snapToPixelCentre(9.99, 0.01, frame)).toEqual([9.5, 0.5])
  })

  it('rejects non-finite coordinates and empty frames', () => {
    expect(() => snapToPixelCentre(NaN, 1)).toThrow(/finite/)
    expect(() => snapToPixelCentre(1, Infinity)).toThrow(/finite/)
    expect(() => snapToPixelCentre(1, 1, { width: 0, height: 5 })).toThrow(/at least 1x1/)
  })
})

describe('clipToFrame', () => {
  it('leaves a polygon inside the frame alone (edges on the frame count as inside)', () => {
    expect(clipToFrame([0, 0, 10, 0, 10, 8, 0, 8], 10, 8)).toEqual({ polygon: [0, 0, 10, 0, 10, 8, 0, 8], clipped: false })
    expect(clipToFrame([1, 1, 5, 1, 5, 5, 1, 1], 10, 8)).toEqual({ polygon: [1, 1, 5, 1, 5, 5], clipped: false })
  })

  it('cuts what lies outside', () => {
    const { polygon, clipped } = clipToFrame([-5, 2, 5, 2, 5, 12], 10, 8)
    expect(clipped).toBe(true)
    // The part x >= 0, y <= 8 of the triangle (hypotenuse y = x + 7): a pentagon.
    expect(polygon).toEqual([1, 8, 0, 7, 0, 2, 5, 2, 5, 8])
    expect(clipToFrame([-10, -10, 20, -10, 20, 20, -10, 20], 10, 8).polygon).toEqual([0, 8, 0, 0, 10, 0, 10, 8])
  })

  it('returns an empty polygon when nothing is inside', () => {
    expect(clipToFrame([20, 20, 30, 20, 30, 30], 10, 8)).toEqual({ polygon: [], clipped: true })
    expect(clipToFrame([-5, -5, -1, -5, -1, 20], 10, 8)).toEqual({ polygon: [], clipped: true })
  })

  it('never changes the rasterised pixels (random polygons, concave and self-crossing ones too)', () => {
    const rand = rng(31)
    let clippedCount = 0
    for (let trial = 0; trial < 1500; trial++) {
      const n = 3 + Math.floor(rand() * 9)
      const poly: number[] = []
      for (let k = 0; k < n; k++) poly.push(rand() * 20 - 5, rand() * 16 - 4)
      const { polygon, clipped } = clipToFrame(poly, 10, 8)
      clippedCount += clipped ? 1 : 0
      for (let k = 0; k < polygon.length; k += 2) {
        const x = polygon[k]!
        const y = polygon[k + 1]!
        if (!(x >= 0 && x <= 10 && y >= 0 && y <= 8)) expect({ poly, x, y }).toBe('inside the frame')
      }
      const a = rasterizePolygon(polygon, 10, 8)
      const b = rasterizePolygon(poly, 10, 8)
      if (!a.every((v, k) => v === b[k])) expect({ poly, clippedPixels: Array.from(a) }).toEqual({ poly, clippedPixels: Array.from(b) })
    }
    expect(clippedCount).toBeGreaterThan(1000)
  })
})

describe('isSimple', () => {
  it('accepts simple rings and rejects crossings, touches and spikes', () => {
    expect(isSimple([0, 0, 4, 0, 4, 4, 0, 4])).toBe(true)
    expect(isSimple([0, 0, 4, 0, 0, 4])).toBe(true)
    expect(isSimple([0, 0, 4, 0, 4, 0, 4, 4, 0, 4, 0, 0])).toBe(true) // duplicates ignored
    expect(isSimple([0, 0, 4, 4, 4, 0, 0, 4])).toBe(false) // bow tie
    expect(isSimple([0, 0, 2, 0, 2, 2, 4, 2, 4, 4, 2, 4, 2, 2, 0, 2])).toBe(false) // touches itself at (2,2)
    expect(isSimple([0, 0, 4, 0, 4, 4, 2, 0, 0, 4])).toBe(false) // vertex on another edge
    expect(isSimple([0, 0, 4, 0, 6, 0, 4, 0, 4, 4])).toBe(false) // spike doubling back
    expect(isSimple([0, 0, 2, 0, 4, 0])).toBe(false) // collinear "triangle"
    expect(isSimple([0, 0, 1, 1])).toBe(false)
    expect(isSimple([0, 0, 4, 0, NaN, 4])).toBe(false)
  })

  it('agrees with the all-pairs test on 3000 random small-integer rings', () => {
    const rand = rng(7)
    let simple = 0
    for (let trial = 0; trial < 3000; trial++) {
      const n = 3 + Math.floor(rand() * 8)
      const poly: number[] = []
      for (let k = 0; k < n; k++) poly.push(Math.floor(rand() * 6), Math.floor(rand() * 6))
      const want = simpleByBruteForce(poly)
      if (isSimple(poly) !== want) expect({ poly, simple: isSimple(poly) }).toEqual({ poly, simple: want })
      simple += want ? 1 : 0
    }
    expect(simple).toBeGreaterThan(200)
  })

  it('handles thousands of vertices: a star-shaped ring, then with one crossing', () => {
    const rand = rng(5)
    const n = 5000
    const ring: number[] = []
    for (let k = 0; k < n; k++) {
      const a = (2 * Math.PI * k) / n
      const r = 100 + rand() * 50
      ring.push(r * Math.cos(a), r * Math.sin(a))
    }
    expect(isSimple(ring)).toBe(true)
    const crossed = [...ring]
    // Move one vertex to the far side, outside the ring: its edges cross the ring there.
    crossed[200] = -2 * ring[200]!
    crossed[201] = -2 * ring[201]!
    expect(isSimple(crossed)).toBe(false)
    // Long spokes through the centre overlap in every grid cell (all-pairs fallback).
    const spokes: number[] = []
    for (let k = 0; k < 600; k++) {
      const a = (Math.PI * k) / 600
      const s = k % 2 ? 1 : -1
      spokes.push(s * 100 * Math.cos(a), s * 100 * Math.sin(a))
    }
    expect(isSimple(spokes)).toBe(simpleByBruteForce(spokes))
  })
})
