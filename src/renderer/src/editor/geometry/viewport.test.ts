import { describe, expect, it } from 'vitest'
import { fitView, imageToScreen, oneToOne, panBy, screenToImage, visibleBounds, wheelFactor, zoomAt } from './viewport'

describe('viewport', () => {
  it('zooming keeps the image point under the cursor in place', () => {
    let v = { scale: 0.7, x: 13, y: -40 }
    const cursor: [number, number] = [321, 123]
    const under = screenToImage(v, ...cursor)
    for (const f of [1.2, 1.2, 3, 0.5, 40]) {
      v = zoomAt(v, ...cursor, f)
      const [sx, sy] = imageToScreen(v, ...under)
      expect(sx).toBeCloseTo(cursor[0], 9)
      expect(sy).toBeCloseTo(cursor[1], 9)
    }
    expect(v.scale).toBeLessThanOrEqual(64)
  })

  it('panning moves every image point by the drag', () => {
    const v = { scale: 2.5, x: 10, y: 20 }
    const [ax, ay] = imageToScreen(v, 30, 40)
    const [bx, by] = imageToScreen(panBy(v, 17, -9), 30, 40)
    expect([bx - ax, by - ay]).toEqual([17, -9])
  })

  it('fit shows the whole frame centred; 1:1 lands image pixels on whole screen pixels', () => {
    const vp = { width: 1000, height: 800 }
    const fit = fitView({ width: 360, height: 640 }, vp)
    const b = visibleBounds(fit, vp)
    expect(b.minX).toBeLessThanOrEqual(0)
    expect(b.maxY).toBeGreaterThanOrEqual(640)
    expect(fit.scale).toBeCloseTo((800 - 32) / 640, 9)
    const one = oneToOne(fit, vp)
    expect(one.scale).toBe(1)
    expect(Number.isInteger(one.x) && Number.isInteger(one.y)).toBe(true)
    // The frame's centre stays near the viewport's centre.
    expect(Math.abs(imageToScreen(one, 180, 320)[0] - 500)).toBeLessThanOrEqual(1)
  })

  it('a wheel notch zooms by 1.2 either way', () => {
    expect(wheelFactor(-100, 0)).toBeCloseTo(1.2, 9)
    expect(wheelFactor(100, 0)).toBeCloseTo(1 / 1.2, 9)
    expect(wheelFactor(-3, 1)).toBeGreaterThan(1)
  })
})
