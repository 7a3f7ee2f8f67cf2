/**
 * Brush and eraser: the selected polygon is rasterised with the shared
 * rasteriser, the stroke is stamped into (or cut out of) that mask, and the
 * result is traced back with traceBinary, which simplifies it.
 *
 * Islands: the largest component stays the edited polygon (keeping its label
 * id); every other component of at least MIN_COMPONENT_PX pixels becomes a
 * new polygon of the same class, so a stroke that splits a polygon keeps both
 * halves and a stroke away from it adds a separate one. Smaller specks are
 * dropped. Holes cannot be stored (labels are single rings), so a cut inside
 * a polygon that leaves a hole is filled back; `holeFilled` says so.
 */
import { polygonArea, rasterizeInto } from '../../../../shared/geometry/raster'
import { traceBinary } from '../../../../shared/geometry/trace'
import type { FrameSize } from '../model/types'
import { boundsOf, segmentDistance2 } from './hitTest'
import { shift } from './fillMask'

export const MIN_COMPONENT_PX = 4
/**
 * RDP tolerance for traced brush results: 1 px turns staircases into straight
 * edges (a brushed 4-gon stays ~10 vertices, not ~130); the IoU floor halves it
 * where that would lose more than 3% of a small shape.
 */
export const BRUSH_TRACE = { tolerance: 1, minIoU: 0.97, minArea: MIN_COMPONENT_PX } as const

export interface BrushStroke {
  /** The pointer path, flat [x0, y0, ...] in image pixels. */
  readonly points: readonly number[]
  readonly radius: number
}

export interface BrushResult {
  /** The edited polygon's new ring; null when nothing is left. */
  main: number[] | null
  /** Further components, each a new polygon. */
  others: number[][]
  holeFilled: boolean
  /** The stroke changed no pixel: the polygon keeps its vertices. */
  unchanged: boolean
}

interface Window {
  x: number
  y: number
  w: number
  h: number
}

function windowFor(target: readonly number[] | null, stroke: BrushStroke, frame: FrameSize): Window | null {
  const s = boundsOf(stroke.points)
  let minX = s.minX - stroke.radius
  let minY = s.minY - stroke.radius
  let maxX = s.maxX + stroke.radius
  let maxY = s.maxY + stroke.radius
  if (target && target.length >= 6) {
    const t = boundsOf(target)
    minX = Math.min(minX, t.minX)
    minY = Math.min(minY, t.minY)
    maxX = Math.max(maxX, t.maxX)
    maxY = Math.max(maxY, t.maxY)
  }
  const x0 = Math.max(0, Math.floor(minX) - 1)
  const y0 = Math.max(0, Math.floor(minY) - 1)
  const x1 = Math.min(frame.width, Math.ceil(maxX) + 1)
  const y1 = Math.min(frame.height, Math.ceil(maxY) + 1)
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null
}

/** Sets `value` on every window pixel whose centre lies within the radius of the stroke path. */
export function stampStroke(mask: Uint8Array, win: Window, stroke: BrushStroke, value: 0 | 1): void {
  const pts = stroke.points
  const r = stroke.radius
  const r2 = r * r
  const n = pts.length >> 1
  for (let k = 0; k < n; k++) {
    const ax = pts[2 * k]!
    const ay = pts[2 * k + 1]!
    const bx = k + 1 < n ? pts[2 * k + 2]! : ax
    const by = k + 1 < n ? pts[2 * k + 3]! : ay
    const i0 = Math.max(win.x, Math.floor(Math.min(ax, bx) - r))
    const i1 = Math.min(win.x + win.w - 1, Math.ceil(Math.max(ax, bx) + r))
    const j0 = Math.max(win.y, Math.floor(Math.min(ay, by) - r))
    const j1 = Math.min(win.y + win.h - 1, Math.ceil(Math.max(ay, by) + r))
    for (let j = j0; j <= j1; j++) {
      const row = (j - win.y) * win.w - win.x
      for (let i = i0; i <= i1; i++) {
        if (segmentDistance2(i + 0.5, j + 0.5, ax, ay, bx, by).d2 <= r2) mask[row + i] = value
      }
    }
  }
}

/** True when some background pixel cannot reach the window border (4-connected): a hole. */
export function hasHoles(mask: Uint8Array, w: number, h: number): boolean {
  const seen = new Uint8Array(w * h)
  const stack: number[] = []
  const seed = (p: number) => {
    if (!mask[p] && !seen[p]) {
      seen[p] = 1
      stack.push(p)
    }
  }
  for (let i = 0; i < w; i++) {
    seed(i)
    seed((h - 1) * w + i)
  }
  for (let j = 0; j < h; j++) {
    seed(j * w)
    seed(j * w + w - 1)
  }
  while (stack.length > 0) {
    const p = stack.pop()!
    const x = p % w
    if (x > 0) seed(p - 1)
    if (x < w - 1) seed(p + 1)
    if (p >= w) seed(p - w)
    if (p + w < w * h) seed(p + w)
  }
  for (let p = 0; p < mask.length; p++) if (!mask[p] && !seen[p]) return true
  return false
}

export function applyBrush(target: readonly number[] | null, stroke: BrushStroke, mode: 'add' | 'erase', frame: FrameSize): BrushResult {
  const win = windowFor(target, stroke, frame)
  const same: BrushResult = { main: target ? target.slice() : null, others: [], holeFilled: false, unchanged: true }
  if (!win) return same
  const mask = new Uint8Array(win.w * win.h)
  if (target) rasterizeInto(mask, win.w, win.h, shift(target, -win.x, -win.y), 1)
  const before = mask.slice()
  stampStroke(mask, win, stroke, mode === 'add' ? 1 : 0)
  let changed = false
  for (let k = 0; k < mask.length && !changed; k++) changed = mask[k] !== before[k]
  if (!changed) return same
  const holeFilled = hasHoles(mask, win.w, win.h)
  const rings = traceBinary(mask, win.w, win.h, BRUSH_TRACE).map((r) => shift(r, win.x, win.y))
  if (rings.length === 0) return { main: null, others: [], holeFilled, unchanged: false }
  let best = 0
  for (let k = 1; k < rings.length; k++) if (polygonArea(rings[k]!) > polygonArea(rings[best]!)) best = k
  return { main: rings[best]!, others: rings.filter((_, k) => k !== best), holeFilled, unchanged: false }
}
