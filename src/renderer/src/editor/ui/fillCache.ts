/**
 * Per-polygon fill masks and their canvases, cached on the polygon object.
 * Polygons are immutable, so an edit makes a new object and the old entry is
 * garbage collected with it; an unchanged polygon is rasterised once.
 */
import type { EditorPolygon, FrameSize } from '../model/types'
import { fillRgba, parseHexColor, polygonFillMask, type FillMask } from '../geometry/fillMask'
import { boundsOf, type Bounds } from '../geometry/hitTest'

const masks = new WeakMap<EditorPolygon, FillMask | null>()
const bounds = new WeakMap<readonly number[], Bounds>()

export interface FillBitmap {
  canvas: HTMLCanvasElement
  x: number
  y: number
  w: number
  h: number
}

const canvases = new WeakMap<EditorPolygon, { key: string; bitmap: FillBitmap | null }>()

export function fillMaskOf(poly: EditorPolygon, frame: FrameSize): FillMask | null {
  let m = masks.get(poly)
  if (m === undefined) {
    m = polygonFillMask(poly.points, frame)
    masks.set(poly, m)
  }
  return m
}

export function boundsOfPoints(points: readonly number[]): Bounds {
  let b = bounds.get(points)
  if (!b) bounds.set(points, (b = boundsOf(points)))
  return b
}

/** The fill as a canvas in image pixels (one canvas pixel per image pixel), in the class colour. */
export function fillBitmapOf(poly: EditorPolygon, frame: FrameSize, color: string, alpha: number): FillBitmap | null {
  const key = `${color}/${alpha}`
  const hit = canvases.get(poly)
  if (hit && hit.key === key) return hit.bitmap
  const mask = fillMaskOf(poly, frame)
  let bitmap: FillBitmap | null = null
  if (mask && mask.area > 0) {
    const canvas = document.createElement('canvas')
    canvas.width = mask.w
    canvas.height = mask.h
    const ctx = canvas.getContext('2d')
    if (ctx) {
      ctx.putImageData(new ImageData(fillRgba(mask, parseHexColor(color), alpha), mask.w, mask.h), 0, 0)
      bitmap = { canvas, x: mask.x, y: mask.y, w: mask.w, h: mask.h }
    }
  }
  canvases.set(poly, { key, bitmap })
  return bitmap
}
