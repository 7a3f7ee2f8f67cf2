import { describe, expect, it } from 'vitest'
import { rasterizePolygon } from '../../../../shared/geometry/raster'
import { isSimple } from '../../../../shared/geometry/polygon'
import { click, drag, label, rig } from '../test/fixtures'

const W = 100
const H = 80
const SQUARE = [10, 10, 40, 10, 40, 40, 10, 40]

function covered(poly: readonly number[]): Set<number> {
  const m = rasterizePolygon(poly, W, H)
  const out = new Set<number>()
  m.forEach((v, k) => v && out.add(k))
  return out
}

describe('brush and eraser', () => {
  it('adds a stroke to the selected polygon as one undo step', () => {
    const r = rig([label(1, 11, SQUARE)])
    r.core.setTool('select')
    click(r, 20, 20)
    r.core.setTool('brush')
    drag(r, [40, 25], [60, 25], 5)
    const poly = r.core.getSnapshot().polygons[0]!
    expect(poly.key).toBe('L1')
    expect(isSimple(poly.points)).toBe(true)
    // Traced and simplified: straight edges, not a vertex per pixel step.
    expect(poly.points.length / 2).toBeLessThan(30)
    const px = covered(poly.points)
    // Old pixels kept, the stroke (radius 8 around y=25 up to x=60) added.
    for (const k of covered(SQUARE)) expect(px.has(k)).toBe(true)
    expect(px.has(25 * W + 59)).toBe(true)
    expect(px.has(25 * W + 75)).toBe(false)
    expect(r.edits).toBe(1)
    r.core.command({ type: 'undo' })
    expect(r.core.getSnapshot().polygons[0]!.points).toEqual(SQUARE)
  })

  it('erasing across a polygon keeps the larger part and makes the other a new polygon', () => {
    const r = rig([label(1, 12, SQUARE)])
    r.core.setTool('select')
    click(r, 20, 20)
    r.core.setTool('eraser')
    r.core.command({ type: 'brushSize', factor: 0.5 })
    drag(r, [18, 0], [18, 60], 6)
    const polys = r.core.getSnapshot().polygons
    expect(polys).toHaveLength(2)
    expect(polys[0]!.key).toBe('L1')
    expect(polys.every((p) => p.classId === 12 && isSimple(p.points))).toBe(true)
    expect(covered(polys[0]!.points).size).toBeGreaterThan(covered(polys[1]!.points).size)
    expect(covered(polys[0]!.points).has(20 * W + 18)).toBe(false)
    r.core.command({ type: 'undo' })
    expect(r.core.getSnapshot().polygons).toHaveLength(1)
  })

  it('a cut inside a polygon cannot make a hole: the polygon stays filled and the user is told', () => {
    const r = rig([label(1, 11, SQUARE)])
    r.core.setTool('select')
    click(r, 20, 20)
    r.core.setTool('eraser')
    r.core.command({ type: 'brushSize', factor: 0.5 })
    drag(r, [25, 25], [26, 25], 1)
    expect(covered(r.core.getSnapshot().polygons[0]!.points)).toEqual(covered(SQUARE))
    expect(r.core.getSnapshot().message?.text).toMatch(/holes/)
  })

  it('the brush with nothing selected paints a new polygon; the eraser refuses', () => {
    const r = rig()
    r.core.setTool('eraser')
    drag(r, [50, 50], [60, 50])
    expect(r.core.getSnapshot().message?.text).toMatch(/Select a polygon/)
    r.core.setTool('brush')
    r.core.command({ type: 'class', index: 2 })
    drag(r, [50, 50], [60, 50])
    const polys = r.core.getSnapshot().polygons
    expect(polys).toHaveLength(1)
    expect(polys[0]).toMatchObject({ classId: 13, source: 'manual' })
  })

  it('erasing everything deletes the polygon', () => {
    const r = rig([label(1, 11, [10, 10, 14, 10, 14, 14, 10, 14])])
    r.core.setTool('select')
    click(r, 12, 12)
    r.core.setTool('eraser')
    drag(r, [12, 12], [12.5, 12.5], 1)
    expect(r.core.getSnapshot().polygons).toHaveLength(0)
  })
})
