/**
 * traceMaskExact against the mask itself: the polygons, rasterised by the
 * one shared rasteriser, give back every value's pixels exactly, holes
 * (background or another class) included, on drawn shapes and random masks.
 */
import { describe, expect, it } from 'vitest'
import { isSimple } from '../../../shared/geometry/polygon'
import { rasterizeInto } from '../../../shared/geometry/raster'
import { traceMaskExact } from './exactTrace'

function rasterBack(polys: Map<number, number[][]>, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height)
  const per = new Uint8Array(width * height)
  for (const [v, list] of polys) {
    for (const p of list) {
      per.fill(0)
      rasterizeInto(per, width, height, p, 1)
      // No two polygons claim one pixel: the order they are drawn in cannot matter.
      for (let i = 0; i < per.length; i++) {
        if (!per[i]) continue
        expect(out[i], `pixel ${i} drawn twice`).toBe(0)
        out[i] = v
      }
    }
  }
  return out
}

function fromRows(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length
  const mask = new Uint8Array(width * rows.length)
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * width + x] = c === '.' ? 0 : Number(c))))
  return { mask, width, height: rows.length }
}

describe('traceMaskExact', () => {
  it('a ring with a background hole, a class inside a class, nested rings, a diagonal pinch', () => {
    const { mask, width, height } = fromRows([
      '..........................',
      '.1111111..22222222.....3..',
      '.1.....1..21111112....3.3.',
      '.1.111.1..21222212.....3..',
      '.1.1.1.1..21211212........',
      '.1.111.1..21222212..44....',
      '.1111111..21111112..44....',
      '..........22222222....44..',
      '......................44..'
    ])
    const polys = traceMaskExact(mask, width, height)
    for (const list of polys.values()) for (const p of list) expect(isSimple(p)).toBe(true)
    expect(Buffer.from(rasterBack(polys, width, height)).equals(Buffer.from(mask))).toBe(true)
  })

  it('random masks with many holes come back pixel for pixel', () => {
    let seed = 12345
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
    for (let trial = 0; trial < 40; trial++) {
      const width = 20 + Math.floor(rand() * 40)
      const height = 20 + Math.floor(rand() * 40)
      const mask = new Uint8Array(width * height)
      // Blobs of a few classes, then specks of background and other classes punched into them.
      for (let b = 0; b < 6; b++) {
        const v = 1 + Math.floor(rand() * 3)
        const cx = rand() * width
        const cy = rand() * height
        const r = 3 + rand() * 12
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 < r * r) mask[y * width + x] = v
      }
      for (let s = 0; s < (width * height) / 12; s++) mask[Math.floor(rand() * width * height)] = rand() < 0.6 ? 0 : 1 + Math.floor(rand() * 3)
      const polys = traceMaskExact(mask, width, height)
      for (const list of polys.values()) for (const p of list) expect(isSimple(p), `trial ${trial}`).toBe(true)
      expect(Buffer.from(rasterBack(polys, width, height)).equals(Buffer.from(mask)), `trial ${trial}`).toBe(true)
    }
  })
})
