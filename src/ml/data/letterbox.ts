/**
 * Letterboxing as in the thesis: pad the frame to a centred square (1440x2560
 * -> 2560x2560) and resize the square to the model size, so thin defects keep
 * their aspect ratio. All coordinate maps here use the rasteriser's
 * convention: origin at the top-left CORNER of the top-left pixel.
 *
 * model = (frame + pad) * scale;  frame = model / scale - pad
 */
import sharp from 'sharp'
import type { Frame } from './decode'
import { resampleBilinear } from './resize'

export interface Letterbox {
  /** Model input side, pixels. */
  size: number
  /** Model pixels per frame pixel (size / max(srcWidth, srcHeight)). */
  scale: number
  /** Padding added left and top, in FRAME pixels (integers). */
  padX: number
  padY: number
  srcWidth: number
  srcHeight: number
}

export function computeLetterbox(srcW: number, srcH: number, size: number): Letterbox {
  if (!(Number.isInteger(srcW) && Number.isInteger(srcH) && srcW > 0 && srcH > 0)) {
    throw new Error(`computeLetterbox: frame size must be positive integers, got ${srcW}x${srcH}`)
  }
  if (!(Number.isInteger(size) && size > 0)) throw new Error(`computeLetterbox: bad model size ${size}`)
  const side = Math.max(srcW, srcH)
  return {
    size,
    scale: size / side,
    padX: Math.floor((side - srcW) / 2),
    padY: Math.floor((side - srcH) / 2),
    srcWidth: srcW,
    srcHeight: srcH
  }
}

/**
 * The model input for a frame: size*size*3 floats in [0, 1] (no ImageNet
 * normalisation), padding black. The square is materialised before resizing
 * because sharp always extends after it resizes within one pipeline.
 */
export async function letterboxImage(frame: Frame, size: number): Promise<{ tensor: Float32Array; box: Letterbox }> {
  const { width, height } = frame
  if (frame.data.length !== width * height * 3) {
    throw new Error(`letterboxImage: expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${frame.data.length}`)
  }
  const box = computeLetterbox(width, height, size)
  const side = Math.max(width, height)
  let square: Buffer | Uint8Array = frame.data
  if (side !== width || side !== height) {
    square = await sharp(frame.data, { raw: { width, height, channels: 3 } })
      .extend({
        top: box.padY,
        bottom: side - height - box.padY,
        left: box.padX,
        right: side - width - box.padX,
        background: { r: 0, g: 0, b: 0 }
      })
      .raw()
      .toBuffer()
  }
  let pixels: Buffer | Uint8Array = square
  if (side !== size) {
    pixels = await sharp(square, { raw: { width: side, height: side, channels: 3 } })
      .resize(size, size, { fit: 'fill' })
      .raw()
      .toBuffer()
  }
  const tensor = new Float32Array(size * size * 3)
  for (let i = 0; i < tensor.length; i++) tensor[i] = pixels[i]! / 255
  return { tensor, box }
}

/** Frame-pixel polygon [x0,y0,...] -> model-pixel polygon. */
export function polygonToModel(poly: readonly number[], box: Letterbox): number[] {
  const out = new Array<number>(poly.length)
  for (let i = 0; i < poly.length; i += 2) {
    out[i] = (poly[i]! + box.padX) * box.scale
    if (i + 1 < poly.length) out[i + 1] = (poly[i + 1]! + box.padY) * box.scale
  }
  return out
}

/** Model-pixel polygon -> frame-pixel polygon (inverse of polygonToModel). */
export function polygonToFrame(poly: readonly number[], box: Letterbox): number[] {
  const out = new Array<number>(poly.length)
  for (let i = 0; i < poly.length; i += 2) {
    out[i] = poly[i]! / box.scale - box.padX
    if (i + 1 < poly.length) out[i + 1] = poly[i + 1]! / box.scale - box.padY
  }
  return out
}

/** The frame's area in model pixels (the rest is padding), as [x0, x1) x [y0, y1) in corner coordinates. */
export function validRegion(box: Letterbox): { x0: number; y0: number; x1: number; y1: number } {
  return {
    x0: box.padX * box.scale,
    y0: box.padY * box.scale,
    x1: (box.padX + box.srcWidth) * box.scale,
    y1: (box.padY + box.srcHeight) * box.scale
  }
}

/**
 * A model-size map (size*size*channels, interleaved) resampled to the frame
 * (srcWidth*srcHeight*channels): bilinear between model pixel centres, clamped
 * at the edges, the padding cropped away.
 */
export function modelToFrame(map: Float32Array, box: Letterbox, channels: number): Float32Array {
  const { size, scale, padX, padY, srcWidth: W, srcHeight: H } = box
  return resampleBilinear(map, size, size, channels, W, H, { scaleX: scale, scaleY: scale, offX: padX, offY: padY })
}
