/**
 * The stage transform: screen = image * scale + (x, y), in CSS pixels
 * relative to the canvas. Pure so zoom-to-cursor is unit tested.
 */
import type { FrameSize } from '../model/types'
import type { Bounds } from './hitTest'

export interface View {
  readonly scale: number
  readonly x: number
  readonly y: number
}

export interface Viewport {
  readonly width: number
  readonly height: number
}

export const MIN_SCALE = 0.02
export const MAX_SCALE = 64
export const IDENTITY: View = { scale: 1, x: 0, y: 0 }

export function screenToImage(v: View, sx: number, sy: number): [number, number] {
  return [(sx - v.x) / v.scale, (sy - v.y) / v.scale]
}

export function imageToScreen(v: View, x: number, y: number): [number, number] {
  return [x * v.scale + v.x, y * v.scale + v.y]
}

function clampScale(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s))
}

/** Zooms by `factor` keeping the image point under (sx, sy) where it is. */
export function zoomAt(v: View, sx: number, sy: number, factor: number): View {
  const scale = clampScale(v.scale * factor)
  const k = scale / v.scale
  return { scale, x: sx - (sx - v.x) * k, y: sy - (sy - v.y) * k }
}

/** Wheel delta to a zoom factor: one notch (100 px) is 1.2x; trackpads give smaller steps. */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const px = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 400 : deltaY
  return Math.pow(1.2, -px / 100)
}

export function panBy(v: View, dx: number, dy: number): View {
  return { scale: v.scale, x: v.x + dx, y: v.y + dy }
}

/** The whole frame, centred, with a margin. */
export function fitView(frame: FrameSize, vp: Viewport, margin = 16): View {
  const w = Math.max(1, vp.width - 2 * margin)
  const h = Math.max(1, vp.height - 2 * margin)
  const scale = clampScale(Math.min(w / frame.width, h / frame.height))
  return { scale, x: (vp.width - frame.width * scale) / 2, y: (vp.height - frame.height * scale) / 2 }
}

/**
 * One image pixel per CSS pixel, keeping the image point at the viewport's
 * centre there. Offsets are whole pixels so image pixels land on screen pixels.
 */
export function oneToOne(v: View, vp: Viewport): View {
  const [cx, cy] = screenToImage(v, vp.width / 2, vp.height / 2)
  return { scale: 1, x: Math.round(vp.width / 2 - cx), y: Math.round(vp.height / 2 - cy) }
}

/** The part of the image on screen, in image coordinates. */
export function visibleBounds(v: View, vp: Viewport): Bounds {
  const [minX, minY] = screenToImage(v, 0, 0)
  const [maxX, maxY] = screenToImage(v, vp.width, vp.height)
  return { minX, minY, maxX, maxY }
}
