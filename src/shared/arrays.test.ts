import { describe, expect, it } from 'vitest'
import { appendAll, extent } from './arrays'

describe('array helpers at input sizes that break argument spreading', () => {
  const n = 400_000
  const big = Array.from({ length: n }, (_, i) => (i * 7919) % n)

  it('the spread forms they replace do overflow at this size (so the test means something)', () => {
    expect(() => [].push(...(big as never[]))).toThrow(RangeError)
    expect(() => Math.max(...big)).toThrow(RangeError)
  })

  it('appendAll keeps order and returns the target', () => {
    const target = [-1]
    expect(appendAll(target, big)).toBe(target)
    expect(target.length).toBe(n + 1)
    expect(target[0]).toBe(-1)
    expect(target[1]).toBe(big[0])
    expect(target[n]).toBe(big[n - 1])
    expect(appendAll([1], new Set([2, 3]))).toEqual([1, 2, 3])
  })

  it('extent finds min and max, ignores NaN, and is null for nothing', () => {
    expect(extent(big)).toEqual({ min: 0, max: n - 1 })
    expect(extent([3, NaN, -2, 5])).toEqual({ min: -2, max: 5 })
    expect(extent([])).toBeNull()
    expect(extent([NaN])).toBeNull()
  })
})
