/**
 * Fill pixels of one polygon, decided by the shared rasteriser. The canvas
 * never fills a path itself: its anti-aliased, nonzero fill would disagree
 * with the masks that export and training use. Rasterising only the
 * polygon's bounding window (shifted by whole pixels) gives the same pixels
 * as rasterizeInto over the whole frame, at a fraction of the cost.
 */
import { rasterizeInto } from '../../../../shared/geometry/raster'
import type { FrameSize } from '../model/types'
import { boundsOf } from './hitTest'

export interface FillMask {
  /** Window origin in image pixels. */
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  /** 0/1 per window pixel, row-major. */
  readonly mask: Uint8Array
  /** Pixels covered: equals rasterArea(points, frame.width, frame.height). */
  readonly area: number
}

/** The window of frame pixels whose centres the polygon could cover, or null if none. */
export function pixelWindow(points: readonly number[], frame: FrameSize): { x: number; y: number; w: number; h: number } | null {
  if (points.length < 6) return null
  const b = boundsOf(points)
  const x0 = Math.max(0, Math.floor(b.minX))
  const y0 = Math.max(0, Math.floor(b.minY))
  const x1 = Math.min(frame.width, Math.ceil(b.maxX))
  const y1 = Math.min(frame.height, Math.ceil(b.maxY))
  if (!(x1 > x0 && y1 > y0)) return null
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
}

export function shift(points: readonly number[], dx: number, dy: number): number[] {
  const out = new Array<number>(points.length)
  for (let k = 0; k < points.length; k += 2) {
    out[k] = points[k]! + dx
    out[k + 1] = points[k + 1]! + dy
  }
  return out
}

export function polygonFillMask(points: readonly number[], frame: FrameSize): FillMask | null {
  const win = pixelWindow(points, frame)
  if (!win) return null
  const mask = new Uint8Array(win.w * win.h)
  rasterizeInto(mask, win.w, win.h, shift(points, -win.x, -win.y), 1)
  let area = 0
  for (let k = 0; k < mask.length; k++) area += mask[k]!
  return { ...win, mask, area }
}

/** '#rrggbb' to [r, g, b]; grey for anything else. */
export function parseHexColor(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(color)
  if (!m) return [136, 136, 136]
  const v = parseInt(m[1]!, 16)
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255]
}

/** RGBA pixels (for putImageData) of a fill mask in one colour and alpha. */
export function fillRgba(fill: FillMask, rgb: readonly [number, number, number], alpha: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(fill.w * fill.h * 4)
  const [r, g, b] = rgb
  for (let k = 0; k < fill.mask.length; k++) {
    if (!fill.mask[k]) continue
    const o = 4 * k
    out[o] = r
    out[o + 1] = g
    out[o + 2] = b
    out[o + 3] = alpha
  }
  return out
}
