/**
 * Bilinear resampling of interleaved float maps between pixel centres,
 * clamped at the edges. One sampler serves both directions of the analysis
 * pipeline: analysis-scale maps back to frame size, and letterboxed model
 * maps back to the frame (letterbox.ts's modelToFrame).
 *
 * Output pixel (x, y) samples source position
 * ((x + 0.5 + offX) * scaleX - 0.5, (y + 0.5 + offY) * scaleY - 0.5).
 */
export function resampleBilinear(
  map: Float32Array,
  w: number,
  h: number,
  channels: number,
  W: number,
  H: number,
  t: { scaleX: number; scaleY: number; offX: number; offY: number }
): Float32Array {
  if (map.length !== w * h * channels) throw new Error(`resampleBilinear: expected ${w * h * channels} values (${w}x${h}x${channels}), got ${map.length}`)
  const out = new Float32Array(W * H * channels)
  // Per-column sample positions are the same for every row: precompute them.
  const x0s = new Int32Array(W)
  const x1s = new Int32Array(W)
  const fxs = new Float32Array(W)
  for (let x = 0; x < W; x++) {
    const u = Math.min(w - 1, Math.max(0, (x + 0.5 + t.offX) * t.scaleX - 0.5))
    const i0 = Math.floor(u)
    x0s[x] = i0
    x1s[x] = Math.min(w - 1, i0 + 1)
    fxs[x] = u - i0
  }
  for (let y = 0; y < H; y++) {
    const v = Math.min(h - 1, Math.max(0, (y + 0.5 + t.offY) * t.scaleY - 0.5))
    const j0 = Math.floor(v)
    const j1 = Math.min(h - 1, j0 + 1)
    const fy = v - j0
    for (let x = 0; x < W; x++) {
      const a = (j0 * w + x0s[x]!) * channels
      const b = (j0 * w + x1s[x]!) * channels
      const c = (j1 * w + x0s[x]!) * channels
      const d = (j1 * w + x1s[x]!) * channels
      const fx = fxs[x]!
      const o = (y * W + x) * channels
      for (let ch = 0; ch < channels; ch++) {
        const top = map[a + ch]! + fx * (map[b + ch]! - map[a + ch]!)
        const bot = map[c + ch]! + fx * (map[d + ch]! - map[c + ch]!)
        out[o + ch] = top + fy * (bot - top)
      }
    }
  }
  return out
}

/** An analysis-scale map (w x h) to frame size (W x H). */
export function resizeInterleaved(map: Float32Array, w: number, h: number, channels: number, W: number, H: number): Float32Array {
  return resampleBilinear(map, w, h, channels, W, H, { scaleX: w / W, scaleY: h / H, offX: 0, offY: 0 })
}
