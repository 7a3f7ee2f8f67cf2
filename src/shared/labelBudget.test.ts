import { describe, expect, it } from 'vitest'
import { isSimple } from './geometry/polygon'
import { rasterArea } from './geometry/raster'
import { fitPointBudget, polygonCountProblem, simplifiedNote } from './labelBudget'
import { LABEL_LIMITS } from './limits'

/** A circle of `n` vertices, radius r, centred at (c, c). */
function circle(n: number, r = 400, c = 500): number[] {
  return Array.from({ length: n }, (_, i) => [c + r * Math.cos((2 * Math.PI * i) / n), c + r * Math.sin((2 * Math.PI * i) / n)]).flat()
}

describe('label budget', () => {
  it('keeps a polygon within the vertex budget as it is', () => {
    const p = circle(LABEL_LIMITS.pointsPerPolygon)
    expect(fitPointBudget(p)).toEqual(p)
  })

  it('simplifies a polygon over the budget until it fits, simple and nearly the same area', () => {
    const p = circle(LABEL_LIMITS.pointsPerPolygon + 5000)
    const fit = fitPointBudget(p)!
    expect(fit.length / 2).toBeLessThanOrEqual(LABEL_LIMITS.pointsPerPolygon)
    expect(isSimple(fit)).toBe(true)
    const a = rasterArea(p, 1000, 1000)
    expect(Math.abs(rasterArea(fit, 1000, 1000) - a) / a).toBeLessThan(0.01)
  })

  it('a small budget still gives a valid simple polygon', () => {
    const fit = fitPointBudget(circle(500), 10)!
    expect(fit.length / 2).toBeLessThanOrEqual(10)
    expect(fit.length / 2).toBeGreaterThanOrEqual(3)
    expect(isSimple(fit)).toBe(true)
  })

  it('says when a frame would hold too many polygons', () => {
    expect(polygonCountProblem(LABEL_LIMITS.labelsPerFrame)).toBeNull()
    expect(polygonCountProblem(LABEL_LIMITS.labelsPerFrame + 1)).toBe('a frame holds at most 5,000 polygons (what can be saved); this would make 5,001')
    expect(simplifiedNote(25000, 19000)).toBe('a polygon of 25,000 points was simplified to 19,000 (the limit is 20,000)')
  })
})
