import { describe, expect, it } from 'vitest'
import { rasterArea, rasterizePolygon } from '../../../../shared/geometry/raster'
import { createRng } from '../../../../shared/random'
import { polygonFillMask, fillRgba } from './fillMask'

const FRAME = { width: 97, height: 61 }

/** The fill mask placed back into a whole frame. */
function placed(points: number[]): Uint8Array {
  const out = new Uint8Array(FRAME.width * FRAME.height)
  const m = polygonFillMask(points, FRAME)
  if (!m) return out
  for (let j = 0; j < m.h; j++) for (let i = 0; i < m.w; i++) out[(m.y + j) * FRAME.width + m.x + i] = m.mask[j * m.w + i]!
  return out
}

describe("the editor's fill uses the shared rasteriser", () => {
  const shapes: Record<string, number[]> = {
    'pixel-centre triangle': [10.5, 5.5, 40.5, 20.5, 12.5, 50.5],
    'thin diagonal crack': [5.5, 5.5, 6.5, 5.5, 60.5, 55.5, 59.5, 55.5],
    'concave comb': [2.5, 2.5, 30.5, 2.5, 30.5, 30.5, 20.5, 10.5, 15.5, 30.5, 10.5, 10.5, 2.5, 30.5],
    'traced corners': [20, 20, 30, 20, 30, 25, 25, 25, 25, 30, 20, 30],
    'crossing the frame edge': [-10, -10, 50.25, 3.75, 120, 70, 3.1, 59.9]
  }
  for (const [name, points] of Object.entries(shapes)) {
    it(`${name}: same pixels and area as rasterizeInto over the whole frame`, () => {
      expect([...placed(points)]).toEqual([...rasterizePolygon(points, FRAME.width, FRAME.height)])
      expect(polygonFillMask(points, FRAME)?.area ?? 0).toBe(rasterArea(points, FRAME.width, FRAME.height))
    })
  }

  it('agrees on random polygons with coordinates kept to 1/1000 px, as the server stores them', () => {
    const rng = createRng(5)
    for (let t = 0; t < 200; t++) {
      const n = 3 + Math.floor(rng.next() * 8)
      const pts: number[] = []
      for (let k = 0; k < n; k++) pts.push(Math.round(rng.next() * 110000 - 5000) / 1000, Math.round(rng.next() * 70000 - 5000) / 1000)
      expect([...placed(pts)]).toEqual([...rasterizePolygon(pts, FRAME.width, FRAME.height)])
    }
  })

  it('paints exactly the mask pixels in the class colour', () => {
    const m = polygonFillMask([10.5, 10.5, 14.5, 10.5, 14.5, 12.5], FRAME)!
    const rgba = fillRgba(m, [1, 2, 3], 90)
    for (let k = 0; k < m.mask.length; k++) {
      expect(rgba[4 * k + 3]).toBe(m.mask[k] ? 90 : 0)
      if (m.mask[k]) expect([rgba[4 * k], rgba[4 * k + 1], rgba[4 * k + 2]]).toEqual([1, 2, 3])
    }
    expect(polygonFillMask([200, 200, 210, 200, 210, 210], FRAME)).toBeNull()
  })
})
