/**
 * Geometry hit tests in image coordinates. The editor does its own hit
 * testing instead of Konva's hit canvas: every Konva layer stays
 * listening(false), so nothing redraws a hit graph during a drag.
 */
import { pointInPolygon } from '../../../../shared/geometry/polygon'
import type { EditorPolygon } from '../model/types'

export interface Bounds {
  minX: number
  minY: number
  maxX: number
  maxY: number
}

export function boundsOf(points: readonly number[]): Bounds {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let k = 0; k + 1 < points.length; k += 2) {
    const x = points[k]!
    const y = points[k + 1]!
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
  }
  return { minX, minY, maxX, maxY }
}

export function boundsIntersect(a: Bounds, b: Bounds): boolean {
  return a.minX <= b.maxX && b.minX <= a.maxX && a.minY <= b.maxY && b.minY <= a.maxY
}

export { pointInPolygon }

/** Squared distance from (px, py) to segment a-b, and where along it (0..1) the nearest point lies. */
export function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): { d2: number; t: number } {
  const dx = bx - ax
  const dy = by - ay
  const len2 = dx * dx + dy * dy
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2
  t = t < 0 ? 0 : t > 1 ? 1 : t
  const ex = ax + t * dx - px
  const ey = ay + t * dy - py
  return { d2: ex * ex + ey * ey, t }
}

/** Index of the vertex nearest (x, y) within `tol`, or -1. */
export function nearestVertex(points: readonly number[], x: number, y: number, tol: number): number {
  let best = -1
  let bestD = tol * tol
  for (let k = 0; k + 1 < points.length; k += 2) {
    const dx = points[k]! - x
    const dy = points[k + 1]! - y
    const d = dx * dx + dy * dy
    if (d <= bestD) {
      bestD = d
      best = k >> 1
    }
  }
  return best
}

export interface EdgeHit {
  /** The edge runs from vertex `index` to vertex `index + 1` (wrapping). */
  index: number
  t: number
  x: number
  y: number
}

/** The edge nearest (x, y) within `tol`, including the closing edge. */
export function nearestEdge(points: readonly number[], x: number, y: number, tol: number): EdgeHit | null {
  const n = points.length >> 1
  let best: EdgeHit | null = null
  let bestD = tol * tol
  for (let k = 0; k < n; k++) {
    const q = (k + 1) % n
    const ax = points[2 * k]!
    const ay = points[2 * k + 1]!
    const bx = points[2 * q]!
    const by = points[2 * q + 1]!
    const { d2, t } = segmentDistance2(x, y, ax, ay, bx, by)
    if (d2 <= bestD) {
      bestD = d2
      best = { index: k, t, x: ax + t * (bx - ax), y: ay + t * (by - ay) }
    }
  }
  return best
}

/**
 * The topmost polygon under (x, y): inside it, or within `tol` of its outline
 * (so thin cracks stay clickable). `topFirst` lists candidates topmost first.
 */
export function polygonAt(topFirst: readonly EditorPolygon[], x: number, y: number, tol: number): EditorPolygon | null {
  for (const p of topFirst) {
    const b = boundsOf(p.points)
    if (x < b.minX - tol || x > b.maxX + tol || y < b.minY - tol || y > b.maxY + tol) continue
    if (pointInPolygon(p.points, x, y) || nearestEdge(p.points, x, y, tol)) return p
  }
  return null
}
