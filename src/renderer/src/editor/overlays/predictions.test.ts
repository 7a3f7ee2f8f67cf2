import { describe, expect, it } from 'vitest'
import { isSimple } from '../../../../shared/geometry/polygon'
import { rasterizePolygon } from '../../../../shared/geometry/raster'
import { label, rig } from '../test/fixtures'
import { heatmapRgba, maskRings } from './predictions'
import { pieceAt, piecesAsPolygons } from './predictedPieces'

function blobMask(w: number, h: number, blobs: [number, number, number][]): Uint8Array {
  const m = new Uint8Array(w * h)
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) if (blobs.some(([cx, cy, r]) => (i + 0.5 - cx) ** 2 + (j + 0.5 - cy) ** 2 <= r * r)) m[j * w + i] = 1
  return m
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let i = 0
  let u = 0
  for (let k = 0; k < a.length; k++) {
    i += a[k]! & b[k]!
    u += a[k]! | b[k]!
  }
  return i / u
}

describe('predicted outlines and accepted pieces', () => {
  it('outlines each component of a predicted mask as a simple ring', () => {
    const data = blobMask(100, 80, [
      [25, 25, 12],
      [70, 50, 15]
    ])
    const rings = maskRings({ classId: 12, width: 100, height: 80, data }, { width: 100, height: 80 })
    expect(rings).toHaveLength(2)
    const union = new Uint8Array(100 * 80)
    for (const ring of rings) {
      expect(isSimple(ring)).toBe(true)
      // Simplified: far fewer vertices than pixel steps on the outline.
      expect(ring.length / 2).toBeLessThan(40)
      rasterizePolygon(ring, 100, 80).forEach((v, k) => v && (union[k] = 1))
    }
    expect(iou(union, data)).toBeGreaterThan(0.9)
  })

  it('scales a mask at the model resolution up to the frame', () => {
    const data = blobMask(50, 40, [[25, 20, 10]])
    const rings = maskRings({ classId: 11, width: 50, height: 40, data }, { width: 100, height: 80 })
    expect(rings).toHaveLength(1)
    const xs = rings[0]!.filter((_, k) => k % 2 === 0)
    expect(Math.min(...xs)).toBeCloseTo(30, 0)
    expect(Math.max(...xs)).toBeCloseTo(70, 0)
  })

  it("accepting the service's pieces adds them to the frame as one undo step", () => {
    const r = rig([label(1, 13, [0, 0, 20, 0, 20, 20])])
    const pieces = [
      { classId: 11, index: 0, points: [40, 30, 60, 30, 60, 50, 40, 50], pixels: 400, labelled: false },
      { classId: 11, index: 1, points: [70, 10, 90, 10, 90, 30], pixels: 200, labelled: false }
    ]
    r.core.addPolygons(piecesAsPolygons(pieces))
    expect(r.core.getSnapshot().polygons.map((p) => p.source)).toEqual(['manual', 'model', 'model'])
    r.core.command({ type: 'undo' })
    expect(r.core.getSnapshot().polygons).toHaveLength(1)
  })

  it('a click finds the unlabelled piece under it, the smallest where outlines overlap', () => {
    const outer = { classId: 1, index: 0, points: [0, 0, 50, 0, 50, 50, 0, 50], pixels: 2500, labelled: false }
    const inner = { classId: 1, index: 1, points: [20, 20, 30, 20, 30, 30, 20, 30], pixels: 100, labelled: false }
    expect(pieceAt([outer, inner], 25, 25)).toBe(inner)
    expect(pieceAt([outer, inner], 5, 5)).toBe(outer)
    expect(pieceAt([inner, outer], 25, 25)).toBe(inner)
    expect(pieceAt([{ ...outer, labelled: true }], 5, 5)).toBeNull()
    expect(pieceAt([outer], 60, 5)).toBeNull()
  })

  it('rejects data of the wrong size and colours heatmaps by score', () => {
    expect(() => maskRings({ classId: 1, width: 10, height: 10, data: new Uint8Array(5) }, { width: 10, height: 10 })).toThrow(/5 values/)
    const rgba = heatmapRgba({ classId: 1, width: 2, height: 1, data: new Uint8Array([0, 200]) }, [10, 20, 30])
    expect([...rgba]).toEqual([10, 20, 30, 0, 10, 20, 30, 200])
  })
})
