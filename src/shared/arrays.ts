/**
 * Array helpers safe at any size. `a.push(...b)` and `Math.max(...b)` pass
 * every element as a call argument, and V8 throws "Maximum call stack size
 * exceeded" somewhere past ~100,000 of them: one label file with a few hundred
 * thousand shapes aborted a whole import that way. Lint forbids the spread
 * forms; these loop instead.
 */

/** Appends every item of `items` to `target`, in order; returns `target`. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item)
  return target
}

/** The smallest and largest of `values` (NaN ignored), or null when there is none. */
export function extent(values: Iterable<number>): { min: number; max: number } | null {
  let min = Infinity
  let max = -Infinity
  for (const v of values) {
    if (v < min) min = v
    if (v > max) max = v
  }
  return min <= max ? { min, max } : null
}
