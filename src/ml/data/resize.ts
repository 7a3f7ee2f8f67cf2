/**
 * Bilinear resampling of an interleaved float map between pixel centres,
 * clamped at the edges: analysis-scale probability maps and reconstructions
 * back to frame size (the same sampling modelToFrame uses for letterboxed maps).
 */
export function resizeInterleavedSync(map: Float32Array, w: number, h: number, channels: number, W: number, H: number): Float32Array {
  if (map.length !== w * h * channels) throw new Error(`resizeInterleaved: expected ${w * h * channels} values, got ${map.length}`)
  const out = new Float32Array(W * H * channels)
  const sx = w / W
  const sy = h / H
  const x0s = new Int32Array(W)
  const x1s = new Int32Array(W)
  const fxs = new Float32Array(W)
  for (let x = 0; x < W; x++) {
    const u = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5))
    const i0 = Math.floor(u)
    x0s[x] = i0
    x1s[x] = Math.min(w - 1, i0 + 1)
    fxs[x] = u - i0
  }
  for (let y = 0; y < H; y++) {
    const v = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5))
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

/** Async so a caller between frames can yield; the work itself is synchronous. */
export async function resizeInterleaved(map: Float32Array, w: number, h: number, channels: number, W: number, H: number): Promise<Float32Array> {
  return Promise.resolve(resizeInterleavedSync(map, w, h, channels, W, H))
}
