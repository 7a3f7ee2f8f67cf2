import { describe, expect, it } from 'vitest'
import {
  columnsFor,
  indexRange,
  moveSelection,
  rowCount,
  rowsPerPage,
  scrollTopToReveal,
  visibleRows
} from './gridLayout'
import { Lru } from './lru'

describe('columnsFor', () => {
  it('fits as many cells as the width allows, never fewer than one', () => {
    expect(columnsFor(1000, 180, 8)).toBe(5) // 5*180+4*8 = 932 <= 1000 < 6*180+5*8
    expect(columnsFor(932, 180, 8)).toBe(5)
    expect(columnsFor(931, 180, 8)).toBe(4)
    expect(columnsFor(50, 180, 8)).toBe(1)
    expect(columnsFor(0, 180, 8)).toBe(1)
  })
})

describe('visibleRows', () => {
  it('covers the viewport plus overscan and clips at both ends', () => {
    expect(visibleRows(0, 500, 100, 1000, 2)).toEqual({ first: 0, end: 7 })
    expect(visibleRows(1050, 500, 100, 1000, 2)).toEqual({ first: 8, end: 18 })
    expect(visibleRows(99_600, 500, 100, 1000, 2)).toEqual({ first: 994, end: 1000 })
  })
  it('is empty for an empty grid', () => {
    expect(visibleRows(0, 500, 100, 0, 2)).toEqual({ first: 0, end: 0 })
  })
  it('keeps the DOM small for 20,000 images wherever the scroll is', () => {
    const rows = rowCount(20_000, 6)
    for (const top of [0, 123_456, rows * 228 - 800]) {
      const r = visibleRows(top, 800, 228, rows, 2)
      expect((r.end - r.first) * 6).toBeLessThanOrEqual(9 * 6)
    }
  })
})

describe('moveSelection', () => {
  // 10 cells in 4 columns: rows [0-3], [4-7], [8-9]
  const total = 10
  const cols = 4
  it('moves by one horizontally and clamps at the ends', () => {
    expect(moveSelection('ArrowRight', 0, total, cols, 2)).toBe(1)
    expect(moveSelection('ArrowRight', 9, total, cols, 2)).toBe(9)
    expect(moveSelection('ArrowLeft', 0, total, cols, 2)).toBe(0)
    expect(moveSelection('ArrowLeft', 5, total, cols, 2)).toBe(4)
  })
  it('moves by a row vertically, keeping the column', () => {
    expect(moveSelection('ArrowDown', 1, total, cols, 2)).toBe(5)
    expect(moveSelection('ArrowUp', 5, total, cols, 2)).toBe(1)
    expect(moveSelection('ArrowUp', 2, total, cols, 2)).toBe(2)
  })
  it('lands on the last cell when the row below is short', () => {
    expect(moveSelection('ArrowDown', 7, total, cols, 2)).toBe(9)
    expect(moveSelection('ArrowDown', 9, total, cols, 2)).toBe(9)
  })
  it('pages by whole screens and jumps with Home/End', () => {
    expect(moveSelection('PageDown', 1, 100, cols, 3)).toBe(13)
    expect(moveSelection('PageUp', 13, 100, cols, 3)).toBe(1)
    expect(moveSelection('PageUp', 6, 100, cols, 3)).toBe(2)
    expect(moveSelection('PageDown', 90, 100, cols, 3)).toBe(99)
    expect(moveSelection('Home', 57, 100, cols, 3)).toBe(0)
    expect(moveSelection('End', 3, 100, cols, 3)).toBe(99)
  })
  it('starts from the first cell when nothing is selected', () => {
    expect(moveSelection('ArrowDown', -1, total, cols, 2)).toBe(0)
    expect(moveSelection('End', -1, total, cols, 2)).toBe(9)
    expect(moveSelection('ArrowDown', -1, 0, cols, 2)).toBe(-1)
  })
})

describe('scrollTopToReveal', () => {
  const g = { columns: 4, rowHeight: 100 }
  it('scrolls only as far as needed', () => {
    expect(scrollTopToReveal(5, g, 0, 350)).toBe(0) // row 1 spans 100-200, visible
    expect(scrollTopToReveal(17, g, 0, 350)).toBe(150) // row 4 spans 400-500
    expect(scrollTopToReveal(1, g, 300, 350)).toBe(0)
  })
  it('counts the padding above the first row', () => {
    expect(scrollTopToReveal(17, g, 0, 350, 12)).toBe(162)
    expect(scrollTopToReveal(9, g, 300, 350, 12)).toBe(212)
    expect(scrollTopToReveal(0, g, 300, 350, 12)).toBe(0)
  })
  it('pages and index ranges agree with the layout', () => {
    expect(rowsPerPage(350, 100)).toBe(3)
    expect(indexRange(2, 5, 4, 18)).toEqual({ first: 8, end: 18 })
    expect(indexRange(6, 8, 4, 18)).toEqual({ first: 18, end: 18 })
  })
})

describe('Lru', () => {
  it('evicts the least recently used entry and reports it', () => {
    const evicted: string[] = []
    const lru = new Lru<number, string>(2, (_k, v) => evicted.push(v))
    lru.set(1, 'a')
    lru.set(2, 'b')
    lru.get(1)
    lru.set(3, 'c')
    expect(evicted).toEqual(['b'])
    expect(lru.has(1) && lru.has(3)).toBe(true)
    lru.set(1, 'a2') // replacing a value releases the old one
    expect(evicted).toEqual(['b', 'a'])
    lru.clear()
    expect(evicted.sort()).toEqual(['a', 'a2', 'b', 'c'])
    expect(lru.size).toBe(0)
  })
  it('rejects a useless capacity', () => {
    expect(() => new Lru(0)).toThrow(/capacity/)
  })
})
