/**
 * Seeded 2-D gradient (Perlin) noise and the binary anomaly masks DRAEM draws
 * from it. DRAEM generates noise on a (res+1)^2 gradient lattice, rotates the
 * noise image and fills the uncovered corners with 0; here the rotation is
 * applied to the sampling coordinates and the lattice is made large enough to
 * cover the rotated square, so the whole frame can hold anomalies.
 */
import type { Rng } from './rng'

export interface PerlinOptions {
  /** Lattice cells across the width and the height (any positive reals). */
  resX: number
  resY: number
  /** Rotation of the noise pattern, radians. */
  angle?: number
}

const fade = (t: number): number => t * t * t * (t * (t * 6 - 15) + 10)

/**
 * Noise in [-1, 1] (scaled by sqrt 2 as DRAEM does), row-major width*height,
 * sampled at pixel centres. Gradients are unit vectors at uniformly random
 * angles, as in DRAEM.
 */
export function perlinNoise(width: number, height: number, rng: Rng, opts: PerlinOptions): Float32Array {
  const { resX, resY } = opts
  if (!(width > 0 && height > 0 && resX > 0 && resY > 0)) {
    throw new Error(`perlinNoise: bad sizes ${width}x${height}, res ${resX}x${resY}`)
  }
  const angle = opts.angle ?? 0
  const cos = Math.cos(angle)
  const sin = Math.sin(angle)
  const cx = width / 2
  const cy = height / 2
  // Lattice range needed by the rotated frame (the circle around it is enough).
  const radius = Math.hypot(cx, cy)
  const u0 = Math.floor(((cx - radius) * resX) / width) - 1
  const u1 = Math.ceil(((cx + radius) * resX) / width) + 1
  const v0 = Math.floor(((cy - radius) * resY) / height) - 1
  const v1 = Math.ceil(((cy + radius) * resY) / height) + 1
  const lw = u1 - u0 + 1
  const lh = v1 - v0 + 1
  const gx = new Float32Array(lw * lh)
  const gy = new Float32Array(lw * lh)
  for (let i = 0; i < lw * lh; i++) {
    const a = 2 * Math.PI * rng.next()
    gx[i] = Math.cos(a)
    gy[i] = Math.sin(a)
  }
  const out = new Float32Array(width * height)
  const sx = resX / width
  const sy = resY / height
  for (let y = 0; y < height; y++) {
    const dy = y + 0.5 - cy
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - cx
      const u = (cx + cos * dx - sin * dy) * sx - u0
      const v = (cy + sin * dx + cos * dy) * sy - v0
      const iu = Math.floor(u)
      const iv = Math.floor(v)
      const fu = u - iu
      const fv = v - iv
      const k00 = iv * lw + iu
      const k10 = k00 + 1
      const k01 = k00 + lw
      const k11 = k01 + 1
      const n00 = gx[k00]! * fu + gy[k00]! * fv
      const n10 = gx[k10]! * (fu - 1) + gy[k10]! * fv
      const n01 = gx[k01]! * fu + gy[k01]! * (fv - 1)
      const n11 = gx[k11]! * (fu - 1) + gy[k11]! * (fv - 1)
      const wu = fade(fu)
      const wv = fade(fv)
      const a = n00 + wu * (n10 - n00)
      const b = n01 + wu * (n11 - n01)
      out[y * width + x] = Math.SQRT2 * (a + wv * (b - a))
    }
  }
  return out
}

/**
 * Fractal sum of `octaves` noise layers (each doubling the lattice, halving
 * the amplitude), normalised to about [-1, 1]. Used by the texture library.
 */
export function fbmNoise(
  width: number,
  height: number,
  rng: Rng,
  opts: PerlinOptions & { octaves?: number; persistence?: number }
): Float32Array {
  const octaves = opts.octaves ?? 4
  const persistence = opts.persistence ?? 0.5
  const out = new Float32Array(width * height)
  let amp = 1
  let total = 0
  for (let o = 0; o < octaves; o++) {
    const f = 2 ** o
    const layer = perlinNoise(width, height, rng, { resX: opts.resX * f, resY: opts.resY * f, angle: opts.angle ?? 0 })
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + amp * layer[i]!
    total += amp
    amp *= persistence
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / total
  return out
}

export interface PerlinMaskOptions {
  /** Noise above this becomes anomaly (DRAEM: 0.5). */
  threshold?: number
  /** Exponent range of the per-axis scale 2^k (DRAEM: k in 0..5). */
  minExponent?: number
  maxExponent?: number
}

/**
 * DRAEM's anomaly shape: scales 2^kx, 2^ky with kx, ky drawn independently,
 * the pattern rotated by a random angle in [-90, 90) degrees, thresholded to
 * a 0/1 mask (row-major size*size).
 */
export function perlinMask(size: number, rng: Rng, opts: PerlinMaskOptions = {}): Uint8Array {
  const threshold = opts.threshold ?? 0.5
  const kMin = opts.minExponent ?? 0
  const kMax = opts.maxExponent ?? 5
  const resX = 2 ** rng.int(kMin, kMax)
  const resY = 2 ** rng.int(kMin, kMax)
  const angle = ((rng.uniform(-90, 90)) * Math.PI) / 180
  const noise = perlinNoise(size, size, rng, { resX, resY, angle })
  const mask = new Uint8Array(size * size)
  for (let i = 0; i < mask.length; i++) mask[i] = noise[i]! > threshold ? 1 : 0
  return mask
}
