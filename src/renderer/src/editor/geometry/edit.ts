/** Pure edits of a polygon's flat point list. Callers check simplicity with isSimple. */
import type { FrameSize } from '../model/types'
import { boundsOf } from './hitTest'

export const MIN_VERTICES = 3

export function moveVertex(points: readonly number[], index: number, x: number, y: number): number[] {
  const out = points.slice()
  out[2 * index] = x
  out[2 * index + 1] = y
  return out
}

/** Inserts (x, y) after vertex `edgeIndex`, i.e. on the edge edgeIndex -> edgeIndex + 1. */
export function insertVertex(points: readonly number[], edgeIndex: number, x: number, y: number): number[] {
  const out = points.slice()
  out.splice(2 * edgeIndex + 2, 0, x, y)
  return out
}

/** Null when the polygon would drop below three vertices. */
export function deleteVertex(points: readonly number[], index: number): number[] | null {
  if (points.length / 2 <= MIN_VERTICES) return null
  const out = points.slice()
  out.splice(2 * index, 2)
  return out
}

/**
 * The whole-pixel offset closest to (dx, dy) that keeps every vertex inside
 * the frame. Whole pixels keep vertices on pixel centres, so the moved
 * polygon covers the same pixel pattern, shifted.
 */
export function clampOffset(points: readonly number[], dx: number, dy: number, frame: FrameSize): [number, number] {
  const b = boundsOf(points)
  const lo = (min: number) => Math.ceil(-min)
  const hi = (max: number, size: number) => Math.floor(size - max)
  const cx = Math.min(Math.max(Math.round(dx), lo(b.minX)), hi(b.maxX, frame.width))
  const cy = Math.min(Math.max(Math.round(dy), lo(b.minY)), hi(b.maxY, frame.height))
  return [cx + 0, cy + 0]
}

export function translate(points: readonly number[], dx: number, dy: number): number[] {
  const out = new Array<number>(points.length)
  for (let k = 0; k < points.length; k += 2) {
    out[k] = points[k]! + dx
    out[k + 1] = points[k + 1]! + dy
  }
  return out
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
  return v > 0 ? 1 : v < 0 ? -1 : 0
}

function within(a: number, b: number, c: number): boolean {
  return Math.min(a, b) <= c && c <= Math.max(a, b)
}

/** Whether closed segments p1-p2 and q1-q2 share any point. */
export function segmentsTouch(
  p1x: number, p1y: number, p2x: number, p2y: number,
  q1x: number, q1y: number, q2x: number, q2y: number
): boolean {
  const o1 = orient(p1x, p1y, p2x, p2y, q1x, q1y)
  const o2 = orient(p1x, p1y, p2x, p2y, q2x, q2y)
  const o3 = orient(q1x, q1y, q2x, q2y, p1x, p1y)
  const o4 = orient(q1x, q1y, q2x, q2y, p2x, p2y)
  if (o1 !== o2 && o3 !== o4) return true
  if (o1 === 0 && within(p1x, p2x, q1x) && within(p1y, p2y, q1y)) return true
  if (o2 === 0 && within(p1x, p2x, q2x) && within(p1y, p2y, q2y)) return true
  if (o3 === 0 && within(q1x, q2x, p1x) && within(q1y, q2y, p1y)) return true
  if (o4 === 0 && within(q1x, q2x, p2x) && within(q1y, q2y, p2y)) return true
  return false
}

/**
 * Whether an open chain being drawn can take (x, y) as its next vertex: the
 * new edge may touch the chain only at the vertex it starts from, and may not
 * double back along the previous edge.
 */
export function canExtendChain(chain: readonly number[], x: number, y: number): boolean {
  const n = chain.length >> 1
  if (n === 0) return true
  const lx = chain[2 * n - 2]!
  const ly = chain[2 * n - 1]!
  if (lx === x && ly === y) return false
  for (let k = 0; k < n - 1; k++) {
    if (chain[2 * k] === x && chain[2 * k + 1] === y) return false
  }
  if (n >= 2) {
    const px = chain[2 * n - 4]!
    const py = chain[2 * n - 3]!
    // Same line, opposite direction: the new edge runs back over the last one.
    const cross = (lx - px) * (y - ly) - (ly - py) * (x - lx)
    if (cross === 0 && (lx - px) * (x - lx) + (ly - py) * (y - ly) < 0) return false
  }
  for (let k = 0; k + 1 < n - 1; k++) {
    if (segmentsTouch(chain[2 * k]!, chain[2 * k + 1]!, chain[2 * k + 2]!, chain[2 * k + 3]!, lx, ly, x, y)) return false
  }
  return true
}
