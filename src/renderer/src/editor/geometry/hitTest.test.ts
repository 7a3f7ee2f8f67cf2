import { describe, expect, it } from 'vitest'
import { rasterizePolygon } from '../../../../shared/geometry/raster'
import { canExtendChain, clampOffset } from './edit'
import { nearestEdge, nearestVertex, pointInPolygon, polygonAt } from './hitTest'

const COMB = [2.3, 2.1, 30.7, 2.4, 30.2, 30.9, 20.1, 10.6, 15.4, 30.2, 10.8, 10.3, 2.6, 30.5]

describe('hit tests', () => {
  it('inside means what the rasteriser fills, at pixel centres off the boundary', () => {
    const mask = rasterizePolygon(COMB, 40, 40)
    for (let j = 0; j < 40; j++) for (let i = 0; i < 40; i++) expect(pointInPolygon(COMB, i + 0.5, j + 0.5) ? 1 : 0).toBe(mask[j * 40 + i])
  })

  it('finds vertices and edges within the tolerance, including the closing edge', () => {
    const sq = [0, 0, 10, 0, 10, 10, 0, 10]
    expect(nearestVertex(sq, 9.5, 9.2, 1)).toBe(2)
    expect(nearestVertex(sq, 5, 5, 1)).toBe(-1)
    expect(nearestEdge(sq, 0.4, 5, 1)).toMatchObject({ index: 3, x: 0, y: 5 })
    expect(nearestEdge(sq, 5, 5, 1)).toBeNull()
  })

  it('picks the topmost polygon, and a one-pixel crack near its outline', () => {
    const big = { key: 'big', classId: 1, points: [0, 0, 50, 0, 50, 50, 0, 50], source: 'manual' as const }
    const crack = { key: 'crack', classId: 1, points: [10, 10, 40, 40.2, 40, 40.4], source: 'manual' as const }
    expect(polygonAt([crack, big], 25.8, 25, 2)?.key).toBe('crack')
    expect(polygonAt([crack, big], 5, 40, 2)?.key).toBe('big')
    expect(polygonAt([crack, big], 60, 60, 2)).toBeNull()
  })
})

describe('edits', () => {
  it('a drawn chain may not touch itself', () => {
    const chain = [0, 0, 10, 0, 10, 10]
    expect(canExtendChain(chain, 0, 10)).toBe(true)
    expect(canExtendChain(chain, 5, -5)).toBe(false)
    expect(canExtendChain(chain, 10, 5)).toBe(false)
    expect(canExtendChain(chain, 10, 0)).toBe(false)
  })

  it('moves keep the polygon inside the frame by whole pixels', () => {
    expect(clampOffset([5.5, 5.5, 20.5, 5.5, 20.5, 9.5], -10.4, 3.6, { width: 30, height: 12 })).toEqual([-5, 2])
  })
})
