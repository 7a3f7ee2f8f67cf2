import { describe, expect, it } from 'vitest'
import { polygonArea, rasterArea, rasterBBox, rasterizeInto, rasterizePolygon, type FlatPolygon } from './raster'

/**
 * Brute-force statement of the rule: a pixel is in when its centre is inside
 * (even-odd, ray to +x, half-open in y) or lies on an edge. Exact for
 * coordinates on a 1/4 grid, where every product below is exact in doubles.
 */
function reference(poly: FlatPolygon, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height)
  const n = Math.floor(poly.length / 2)
  if (n < 3 || poly.some((v) => !Number.isFinite(v))) return out
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const cx = i + 0.5
      const cy = j + 0.5
      let inside = false
      let onEdge = false
      for (let k = 0; k < n; k++) {
        const ax = poly[2 * k]!
        const ay = poly[2 * k + 1]!
        const bx = poly[2 * ((k + 1) % n)]!
        const by = poly[2 * ((k + 1) % n) + 1]!
        const cross = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
        if (
          cross === 0 &&
          cx >= Math.min(ax, bx) &&
          cx <= Math.max(ax, bx) &&
          cy >= Math.min(ay, by) &&
          cy <= Math.max(ay, by)
        ) {
          onEdge = true
        }
        // The crossing lies right of the centre when cross / (by - ay) > 0.
        if (ay > cy !== by > cy && cross !== 0 && cross > 0 === by - ay > 0) inside = !inside
      }
      if (inside || onEdge) out[j * width + i] = 1
    }
  }
  return out
}

function distanceToBoundary(poly: FlatPolygon, px: number, py: number): number {
  const n = poly.length / 2
  let best = Infinity
  for (let k = 0; k < n; k++) {
    const ax = poly[2 * k]!
    const ay = poly[2 * k + 1]!
    const dx = poly[2 * ((k + 1) % n)]! - ax
    const dy = poly[2 * ((k + 1) % n) + 1]! - ay
    const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)))
    best = Math.min(best, Math.hypot(px - ax - t * dx, py - ay - t * dy))
  }
  return best
}

/** Pixel set as sorted "i,j" strings, for readable failures. */
function pixels(mask: Uint8Array, width: number): string[] {
  const out: string[] = []
  for (let k = 0; k < mask.length; k++) if (mask[k]) out.push(`${k % width},${Math.floor(k / width)}`)
  return out
}

function rect(i0: number, j0: number, i1: number, j1: number): string[] {
  const out: string[] = []
  for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) out.push(`${i},${j}`)
  return out.sort(byRaster)
}

function byRaster(a: string, b: string): number {
  const [ai, aj] = a.split(',').map(Number) as [number, number]
  const [bi, bj] = b.split(',').map(Number) as [number, number]
  return aj - bj || ai - bi
}

function expectPixels(poly: FlatPolygon, w: number, h: number, expected: string[]): void {
  const got = rasterizePolygon(poly, w, h)
  expect(pixels(got, w)).toEqual([...expected].sort(byRaster))
  expect(pixels(reference(poly, w, h), w)).toEqual([...expected].sort(byRaster))
}

describe('rasterizePolygon: hand-computed pixel sets', () => {
  it('corner-aligned square covers exactly the pixels inside it', () => {
    expectPixels([1, 1, 4, 1, 4, 3, 1, 3], 6, 5, rect(1, 1, 3, 2))
  })

  it('square with vertices on pixel centres keeps the pixels under its edges', () => {
    expectPixels([1.5, 1.5, 3.5, 1.5, 3.5, 3.5, 1.5, 3.5], 6, 6, rect(1, 1, 3, 3))
  })

  it('a single pixel traced along its corners is that pixel; a point-sized polygon is nothing', () => {
    expectPixels([2, 2, 3, 2, 3, 3, 2, 3], 5, 5, ['2,2'])
    expectPixels([2.5, 2.5, 2.5, 2.5, 2.5, 2.5], 5, 5, ['2,2'])
    expectPixels([2.2, 2.2, 2.3, 2.2, 2.3, 2.3], 5, 5, [])
  })

  it('right triangle keeps centres on the hypotenuse', () => {
    // x + y <= 4 at centres (i + .5, j + .5) means i + j <= 3.
    const expected: string[] = []
    for (let j = 0; j < 4; j++) for (let i = 0; i + j <= 3; i++) expected.push(`${i},${j}`)
    expectPixels([0, 0, 4, 0, 0, 4], 5, 5, expected)
    // Same triangle, opposite orientation: the rule does not depend on it.
    expectPixels([0, 0, 0, 4, 4, 0], 5, 5, expected)
  })

  it('slivers narrower than a pixel draw only the centres they contain or touch', () => {
    // Between centre rows: nothing.
    expectPixels([0, 1.2, 10, 1.2, 10, 1.4, 0, 1.4], 10, 4, [])
    // Straddling centre row 1, but only from x=2.2 to x=4.6: centres 2.5, 3.5, 4.5.
    expectPixels([2.2, 1.4, 4.6, 1.4, 4.6, 1.6, 2.2, 1.6], 10, 4, ['2,1', '3,1', '4,1'])
    // A zero-width horizontal sliver lying on centre row 2 draws that row segment.
    expectPixels([1.5, 2.5, 5.5, 2.5, 3, 2.5], 8, 4, ['1,2', '2,2', '3,2', '4,2', '5,2'])
    // Zero-area diagonal through centres (0.5,0.5), (1.5,1.5), ...: its edge keeps them.
    expectPixels([0.5, 0.5, 4.5, 4.5, 4.5, 4.5, 0.5, 0.5], 6, 6, ['0,0', '1,1', '2,2', '3,3', '4,4'])
    // A thin diagonal sliver through those centres: the same pixels.
    expectPixels([0.5, 0.5, 4.5, 4.5, 4.4, 4.6], 6, 6, ['0,0', '1,1', '2,2', '3,3', '4,4'])
  })

  it('concave L shape excludes the notch', () => {
    expectPixels([0, 0, 2, 0, 2, 2, 4, 2, 4, 4, 0, 4], 5, 5, [...rect(0, 0, 1, 1), ...rect(0, 2, 3, 3)])
  })

  it('self-touching ring (two squares meeting at a corner) draws both squares', () => {
    const bowtieCorners = [0, 0, 2, 0, 2, 2, 4, 2, 4, 4, 2, 4, 2, 2, 0, 2]
    expectPixels(bowtieCorners, 5, 5, [...rect(0, 0, 1, 1), ...rect(2, 2, 3, 3)])
  })

  it('self-intersecting bow tie follows even-odd', () => {
    // Edges cross at (2, 2), leaving a left and a right triangle (sides x=0 and
    // x=4); centres on the diagonals count as boundary.
    const poly = [0, 0, 4, 4, 4, 0, 0, 4]
    const left = ['0,0', '0,1', '1,1', '0,2', '1,2', '0,3']
    const right = ['3,0', '2,1', '3,1', '2,2', '3,2', '3,3']
    expectPixels(poly, 4, 4, [...left, ...right])
  })

  it('a ring with a hole via even-odd (outer + reversed inner joined by a zero-width bridge)', () => {
    const poly = [0, 0, 6, 0, 6, 6, 0, 6, 0, 0, 2, 2, 2, 4, 4, 4, 4, 2, 2, 2]
    const expected = rect(0, 0, 5, 5).filter((p) => !['2,2', '3,2', '2,3', '3,3'].includes(p))
    expectPixels(poly, 6, 6, expected)
  })

  it('clips at the frame edge', () => {
    expectPixels([-3, -3, 2, -3, 2, 2, -3, 2], 4, 4, rect(0, 0, 1, 1))
    expectPixels([2, 2, 10, 2, 10, 10, 2, 10], 4, 4, rect(2, 2, 3, 3))
    // Centre-aligned edge exactly on the last centre column is kept.
    expectPixels([2.5, 0.5, 3.5, 0.5, 3.5, 1.5, 2.5, 1.5], 4, 4, rect(2, 0, 3, 1))
    // Entirely outside.
    expectPixels([5, 5, 8, 5, 8, 8], 4, 4, [])
    expectPixels([-5, 0, -1, 0, -1, 4], 4, 4, [])
  })

  it('degenerate input draws nothing', () => {
    const cases: FlatPolygon[] = [
      [],
      [1, 1],
      [1, 1, 3, 3],
      [1, 1, 3, 3, 1], // odd length: only two whole points
      [0, 0, 4, 0, NaN, 4],
      [0, 0, 4, 0, 4, Infinity],
      [0, 0, 4, 0, 4, 4, -Infinity, 4]
    ]
    for (const poly of cases) {
      const mask = new Uint8Array(25).fill(7)
      rasterizeInto(mask, 5, 5, poly, 1)
      expect(mask.every((v) => v === 7)).toBe(true)
    }
    expect(rasterizePolygon([0, 0, 4, 0, 4, 4], 0, 0)).toHaveLength(0)
    expect(rasterArea([0, 0, 4, 0, 4, 4], 0, 5)).toBe(0)
  })

  it('rasterizeInto overwrites with the given value and leaves other pixels alone', () => {
    const mask = new Uint8Array(16).fill(9)
    rasterizeInto(mask, 4, 4, [1, 1, 3, 1, 3, 3, 1, 3], 3)
    expect(Array.from(mask)).toEqual([9, 9, 9, 9, 9, 3, 3, 9, 9, 3, 3, 9, 9, 9, 9, 9])
  })
})

describe('rasterizePolygon against the brute-force rule', () => {
  // Deterministic LCG so failures reproduce.
  function rng(seed: number): () => number {
    let s = seed >>> 0
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      return s / 2 ** 32
    }
  }

  it('agrees on 3000 random polygons on a quarter-pixel grid (vertices on centres, edges, outside the frame)', () => {
    const rand = rng(12345)
    const w = 9
    const h = 7
    let drawn = 0
    for (let trial = 0; trial < 3000; trial++) {
      const n = 3 + Math.floor(rand() * 8)
      const poly: number[] = []
      for (let k = 0; k < n; k++) {
        poly.push(Math.round((rand() * (w + 4) - 2) * 4) / 4, Math.round((rand() * (h + 4) - 2) * 4) / 4)
      }
      const got = rasterizePolygon(poly, w, h)
      const want = reference(poly, w, h)
      if (pixels(got, w).join(' ') !== pixels(want, w).join(' ')) {
        expect({ poly, got: pixels(got, w) }).toEqual({ poly, got: pixels(want, w) })
      }
      drawn += got.some((v) => v === 1) ? 1 : 0
    }
    expect(drawn).toBeGreaterThan(2000)
  })

  it('agrees on random real-valued polygons, except for centres within 1e-6 of an edge', () => {
    const rand = rng(4242)
    const w = 12
    const h = 9
    let compared = 0
    for (let trial = 0; trial < 1000; trial++) {
      const n = 3 + Math.floor(rand() * 10)
      const poly: number[] = []
      for (let k = 0; k < n; k++) poly.push(rand() * (w + 2) - 1, rand() * (h + 2) - 1)
      const got = rasterizePolygon(poly, w, h)
      const want = reference(poly, w, h)
      for (let p = 0; p < got.length; p++) {
        compared++
        if (got[p] === want[p]) continue
        expect(distanceToBoundary(poly, (p % w) + 0.5, Math.floor(p / w) + 0.5)).toBeLessThan(1e-6)
      }
    }
    expect(compared).toBe(1000 * w * h)
  })

  it('agrees on random axis-aligned and 45-degree rings with integer and half-integer vertices', () => {
    const rand = rng(777)
    for (let trial = 0; trial < 500; trial++) {
      const poly: number[] = []
      let x = 4
      let y = 4
      const n = 4 + Math.floor(rand() * 10)
      for (let k = 0; k < n; k++) {
        const dir = Math.floor(rand() * 8)
        const len = (1 + Math.floor(rand() * 6)) / 2
        x += [1, 1, 0, -1, -1, -1, 0, 1][dir]! * len
        y += [0, 1, 1, 1, 0, -1, -1, -1][dir]! * len
        poly.push(x, y)
      }
      expect(pixels(rasterizePolygon(poly, 10, 10), 10)).toEqual(pixels(reference(poly, 10, 10), 10))
    }
  })
})

describe('area and bbox helpers', () => {
  it('rasterArea, polygonArea and rasterBBox agree with the pixel set', () => {
    const poly = [1, 1, 4, 1, 4, 3, 1, 3]
    expect(rasterArea(poly, 6, 5)).toBe(6)
    expect(polygonArea(poly)).toBe(6)
    expect(polygonArea([...poly].reverse())).toBe(6)
    expect(rasterBBox(poly, 6, 5)).toEqual([1, 1, 3, 2])
    expect(rasterBBox([10, 10, 12, 10, 12, 12], 6, 5)).toBeNull()
  })
})
