/**
 * Square crops from analysis-scale frames, with the eight flips/turns of the
 * square. Pixels outside the frame read as 0 (black image, background
 * target), so frames smaller than a crop still train.
 */

/** One of the square's symmetries: transpose first, then flips. rot90 = transpose + flip. */
export interface Dihedral {
  transpose: boolean
  flipX: boolean
  flipY: boolean
}

export const IDENTITY: Dihedral = { transpose: false, flipX: false, flipY: false }

export interface CropWindow {
  x0: number
  y0: number
  size: number
  t: Dihedral
}

/**
 * size*size*C floats from an 8-bit (scaled by 1/255) or float source of
 * width*height*C values, read through the window's transform.
 */
export function extractCrop(
  src: Uint8Array | Float32Array,
  width: number,
  height: number,
  channels: number,
  win: CropWindow,
  toUnit = src instanceof Uint8Array
): Float32Array {
  const { x0, y0, size, t } = win
  const out = new Float32Array(size * size * channels)
  const k = toUnit ? 1 / 255 : 1
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let a = t.transpose ? v : u
      let b = t.transpose ? u : v
      if (t.flipX) a = size - 1 - a
      if (t.flipY) b = size - 1 - b
      const x = x0 + a
      const y = y0 + b
      if (x < 0 || y < 0 || x >= width || y >= height) continue
      const s = (y * width + x) * channels
      const o = (v * size + u) * channels
      for (let c = 0; c < channels; c++) out[o + c] = src[s + c]! * k
    }
  }
  return out
}

/**
 * w*h*C floats (8-bit sources scaled by 1/255) of the rectangle at (x0, y0),
 * written into `out` from `offset` (a batch buffer, so tiles are not copied
 * twice); outside the frame reads 0 (`out` must hold zeros there).
 */
export function extractRect(src: Uint8Array, width: number, height: number, channels: number, x0: number, y0: number, w: number, h: number, out: Float32Array, offset = 0): void {
  for (let v = 0; v < h; v++) {
    const y = y0 + v
    if (y < 0 || y >= height) continue
    for (let u = 0; u < w; u++) {
      const x = x0 + u
      if (x < 0 || x >= width) continue
      const s = (y * width + x) * channels
      const o = offset + (v * w + u) * channels
      for (let c = 0; c < channels; c++) out[o + c] = src[s + c]! / 255
    }
  }
}

/**
 * Top-left corner for a crop centred near (cx, cy), kept inside the frame
 * when the frame is at least as large as the crop (centred otherwise).
 */
export function placeCrop(cx: number, cy: number, size: number, width: number, height: number): { x0: number; y0: number } {
  const fit = (c: number, side: number): number => {
    if (side <= size) return Math.floor((side - size) / 2)
    return Math.min(side - size, Math.max(0, Math.round(c - size / 2)))
  }
  return { x0: fit(cx, width), y0: fit(cy, height) }
}

/** Top-left corners of overlapping tiles covering [0, side) (at least one tile). */
export function tileStarts(side: number, tile: number, overlap: number): number[] {
  if (side <= tile) return [Math.floor((side - tile) / 2)]
  const stride = Math.max(1, Math.floor(tile * (1 - overlap)))
  const n = Math.ceil((side - tile) / stride) + 1
  const starts: number[] = []
  // Spread the tiles evenly so the last one ends at the border exactly.
  for (let i = 0; i < n; i++) starts.push(Math.round((i * (side - tile)) / (n - 1)))
  return [...new Set(starts)]
}
