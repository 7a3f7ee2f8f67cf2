import { describe, expect, it } from 'vitest'
import { isSimple } from './polygon'
import type { FlatPolygon } from './raster'
import { simplifyPolygon } from './simplify'

/** Largest distance from a vertex of `dense` to the closed ring `ring`. */
function maxDeviation(dense: FlatPolygon, ring: FlatPolygon): number {
  let worst = 0
  const n = ring.length / 2
  for (let k = 0; k < dense.length; k += 2) {
    let best = Infinity
    for (let e = 0; e < n; e++) {
      const ax = ring[2 * e]!
      const ay = ring[2 * e + 1]!
      const dx = ring[2 * ((e + 1) % n)]! - ax
      const dy = ring[2 * ((e + 1) % n) + 1]! - ay
      const t = Math.max(0, Math.min(1, ((dense[k]! - ax) * dx + (dense[k + 1]! - ay) * dy) / (dx * dx + dy * dy || 1)))
      best = Math.min(best, Math.hypot(dense[k]! - ax - t * dx, dense[k + 1]! - ay - t * dy))
    }
    worst = Math.max(worst, best)
  }
  return worst
}

function isSubsequence(sub: FlatPolygon, ring: FlatPolygon): boolean {
  const key = (p: FlatPolygon, k: number): string => `${p[2 * k]},${p[2 * k + 1]}`
  const order = new Map<string, number>()
  for (let k = 0; k < ring.length / 2; k++) order.set(key(ring, k), k)
  const idx = Array.from({ length: sub.length / 2 }, (_, k) => order.get(key(sub, k)))
  if (idx.some((i) => i === undefined)) return false
  // Cyclically increasing: at most one descent.
  let descents = 0
  for (let k = 0; k < idx.length; k++) if (idx[(k + 1) % idx.length]! <= idx[k]!) descents++
  return descents <= 1
}

describe('simplifyPolygon', () => {
  it('tolerance 0 drops duplicates and straight-through vertices, keeps corners and spikes', () => {
    expect(simplifyPolygon([0, 0, 1, 0, 2, 0, 2, 0, 2, 1, 2, 2, 0, 2, 0, 1, 0, 0], 0)).toEqual([0, 0, 2, 0, 2, 2, 0, 2])
    // The spike to (4, 1) doubles back along y = 1 and stays.
    expect(simplifyPolygon([0, 0, 2, 0, 2, 1, 4, 1, 2, 1, 2, 2, 0, 2], 0)).toEqual([0, 0, 2, 0, 2, 1, 4, 1, 2, 1, 2, 2, 0, 2])
  })

  it('reduces a dense square to its corners', () => {
    const ring: number[] = []
    for (let k = 0; k < 10; k++) ring.push(k, 0)
    for (let k = 0; k < 10; k++) ring.push(10, k)
    for (let k = 10; k > 0; k--) ring.push(k, 10)
    for (let k = 10; k > 0; k--) ring.push(0, k)
    expect(simplifyPolygon(ring, 0.5)).toEqual([0, 0, 10, 0, 10, 10, 0, 10])
  })

  it('keeps a noisy circle within tolerance with far fewer vertices, using only input vertices', () => {
    const ring: number[] = []
    for (let k = 0; k < 2000; k++) {
      const a = (2 * Math.PI * k) / 2000
      const r = 100 + 0.3 * Math.sin(37 * a)
      ring.push(200 + r * Math.cos(a), 200 + r * Math.sin(a))
    }
    for (const tol of [0.5, 1, 2]) {
      const s = simplifyPolygon(ring, tol)
      expect(s.length).toBeLessThan(ring.length / 10)
      expect(maxDeviation(ring, s)).toBeLessThanOrEqual(tol)
      expect(isSubsequence(s, ring)).toBe(true)
      expect(isSimple(s)).toBe(true)
    }
    expect(simplifyPolygon(ring, 2).length).toBeLessThan(simplifyPolygon(ring, 0.5).length)
  })

  it('never collapses a ring with area below three vertices', () => {
    const thin = [0, 0, 50, 0, 100, 0, 100, 0.5, 50, 0.5, 0, 0.5]
    const s = simplifyPolygon(thin, 1)
    expect(s).toHaveLength(6)
    expect(isSubsequence(s, thin)).toBe(true)
  })

  it('handles tiny and degenerate input', () => {
    expect(simplifyPolygon([], 1)).toEqual([])
    expect(simplifyPolygon([1, 2], 1)).toEqual([1, 2])
    expect(simplifyPolygon([0, 0, 1, 0, 0, 1], 5)).toEqual([0, 0, 1, 0, 0, 1])
    expect(simplifyPolygon([3, 3, 3, 3, 3, 3, 3, 3], 1)).toEqual([3, 3])
    // A closing point equal to the first is dropped.
    expect(simplifyPolygon([0, 0, 4, 0, 4, 4, 0, 4, 0, 0], 0)).toEqual([0, 0, 4, 0, 4, 4, 0, 4])
  })

  it('rejects a negative or non-finite tolerance', () => {
    expect(() => simplifyPolygon([0, 0, 1, 0, 0, 1], -1)).toThrow(/tolerance/)
    expect(() => simplifyPolygon([0, 0, 1, 0, 0, 1], NaN)).toThrow(/tolerance/)
    expect(() => simplifyPolygon([0, 0, 1, 0, 0, 1], Infinity)).toThrow(/tolerance/)
  })
})
