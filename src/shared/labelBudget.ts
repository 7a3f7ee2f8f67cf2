/**
 * The label budget (LABEL_LIMITS) applied before anything is stored: import
 * and the editor both fit polygons with these, so labels.save never meets
 * a frame it would refuse.
 */
import { isSimple, isValidPolygon } from './geometry/polygon'
import { simplifyPolygon } from './geometry/simplify'
import { LABEL_LIMITS } from './limits'

const fmt = (n: number): string => n.toLocaleString('en-US')

/**
 * The polygon itself when within the vertex budget; else simplified with a
 * tolerance doubling from half a pixel until it fits and stays simple; null
 * when no tolerance up to the polygon's own size does (never in practice,
 * but a refusal beats storing what labels.save would refuse).
 */
export function fitPointBudget(points: readonly number[], max: number = LABEL_LIMITS.pointsPerPolygon): number[] | null {
  if (points.length / 2 <= max) return points.slice()
  const flat = points.slice()
  let span = 0
  for (let k = 2; k < flat.length; k++) span = Math.max(span, Math.abs(flat[k]! - flat[k - 2]!))
  for (let tol = 0.5; tol <= Math.max(1, span) * 4096; tol *= 2) {
    const s = simplifyPolygon(flat, tol)
    if (s.length / 2 > max) continue
    if (isValidPolygon(s) && isSimple(s)) return s
  }
  return null
}

/** Why a frame may not hold `count` polygons, or null when it may. */
export function polygonCountProblem(count: number): string | null {
  const max = LABEL_LIMITS.labelsPerFrame
  return count > max ? `a frame holds at most ${fmt(max)} polygons (what can be saved); this would make ${fmt(count)}` : null
}

export function simplifiedNote(before: number, after: number): string {
  return `a polygon of ${fmt(before)} points was simplified to ${fmt(after)} (the limit is ${fmt(LABEL_LIMITS.pointsPerPolygon)})`
}

export function tooManyPointsNote(count: number): string {
  return `a polygon of ${fmt(count)} points is over the limit of ${fmt(LABEL_LIMITS.pointsPerPolygon)} and could not be simplified to fit`
}
