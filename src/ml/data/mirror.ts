/**
 * Mirror extension of frames past their edges, numpy's 'reflect' mode (the
 * edge pixel is not repeated: ... 2 1 | 0 1 2 ... n-1 | n-2 ...). The
 * reconstruction net sees zero padding at the edge of every tile it
 * reconstructs; where a tile's edge is the frame's edge, nothing blends that
 * away, and the demo's reconstruction painted a white band there that the
 * discriminative net took for edge cracks (docs/experiments.md, seventeenth
 * measurement). Reconstructing a frame extended by its own mirror image puts
 * the frame's edges inside the tiles.
 */

/** Index into [0, n) of position `i` on the mirror-extended line, for any i (reflects as often as needed). */
export function reflectIndex(i: number, n: number): number {
  if (n <= 1) return 0
  const period = 2 * (n - 1)
  const j = ((i % period) + period) % period
  return j < n ? j : period - j
}

/** An 8-bit frame of width*height*channels values extended by `margin` mirrored pixels on every side. */
export function mirrorPad(src: Uint8Array, width: number, height: number, channels: number, margin: number): { rgb: Uint8Array; width: number; height: number } {
  const w = width + 2 * margin
  const h = height + 2 * margin
  const rgb = mirroredRect(src, width, height, channels, -margin, -margin, w, h, new Uint8Array(w * h * channels), 1)
  return { rgb, width: w, height: h }
}

/** side*side*channels floats (scaled by 1/255) of the square at (x0, y0) of the mirror-extended frame. */
export function extractMirrored(src: Uint8Array, width: number, height: number, channels: number, x0: number, y0: number, side: number): Float32Array {
  return mirroredRect(src, width, height, channels, x0, y0, side, side, new Float32Array(side * side * channels), 1 / 255)
}

/** The w*h rectangle at (x0, y0) of the mirror-extended frame, each value times `scale`, written into `out`. */
function mirroredRect<T extends Uint8Array | Float32Array>(src: Uint8Array, width: number, height: number, channels: number, x0: number, y0: number, w: number, h: number, out: T, scale: number): T {
  const xs = Int32Array.from({ length: w }, (_, u) => reflectIndex(x0 + u, width))
  for (let v = 0; v < h; v++) {
    const row = reflectIndex(y0 + v, height) * width
    for (let u = 0; u < w; u++) {
      const s = (row + xs[u]!) * channels
      const o = (v * w + u) * channels
      for (let c = 0; c < channels; c++) out[o + c] = src[s + c]! * scale
    }
  }
  return out
}
