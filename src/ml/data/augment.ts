/**
 * DRAEM-style texture augmenter: three operations drawn at random (without
 * replacement) from the list below, applied in the drawn order. The thesis
 * names rotation, affine, brightness, sharpness, equalise, contrast and
 * saturation; DRAEM also uses gamma, solarize, posterize, invert and
 * autocontrast, kept here because they widen the texture variety cheaply.
 * Images are size*size*3 floats in [0, 1], row-major RGB.
 */
import type { Rng } from './rng'
import { clamp01 } from './textures'

export type AugmentName =
  | 'rotate'
  | 'affine'
  | 'brightness'
  | 'sharpness'
  | 'equalize'
  | 'contrast'
  | 'saturation'
  | 'gamma'
  | 'solarize'
  | 'posterize'
  | 'invert'
  | 'autocontrast'

export const AUGMENTATIONS: readonly AugmentName[] = [
  'rotate',
  'affine',
  'brightness',
  'sharpness',
  'equalize',
  'contrast',
  'saturation',
  'gamma',
  'solarize',
  'posterize',
  'invert',
  'autocontrast'
]

/** The seven the thesis lists (use as `ops` to follow it literally). */
export const THESIS_AUGMENTATIONS: readonly AugmentName[] = [
  'rotate',
  'affine',
  'brightness',
  'sharpness',
  'equalize',
  'contrast',
  'saturation'
]

export interface AugmentOptions {
  /** How many operations to apply (DRAEM and the thesis: 3). */
  count?: number
  ops?: readonly AugmentName[]
}

export function augmentTexture(img: Float32Array, size: number, rng: Rng, opts: AugmentOptions = {}): Float32Array {
  if (img.length !== size * size * 3) throw new Error(`augmentTexture: expected ${size * size * 3} values, got ${img.length}`)
  const ops = opts.ops ?? AUGMENTATIONS
  const count = Math.min(opts.count ?? 3, ops.length)
  let out: Float32Array = Float32Array.from(img)
  for (const op of rng.sample(ops, count)) out = applyAugmentation(op, out, size, rng)
  return clamp01(out)
}

export function applyAugmentation(op: AugmentName, img: Float32Array, size: number, rng: Rng): Float32Array {
  switch (op) {
    case 'rotate': {
      const a = (rng.uniform(-45, 45) * Math.PI) / 180
      return warpAffine(img, size, [Math.cos(a), -Math.sin(a), Math.sin(a), Math.cos(a)], 0, 0)
    }
    case 'affine': {
      const sx = rng.uniform(0.8, 1.2)
      const sy = rng.uniform(0.8, 1.2)
      const shear = Math.tan((rng.uniform(-16, 16) * Math.PI) / 180)
      const tx = rng.uniform(-0.1, 0.1) * size
      const ty = rng.uniform(-0.1, 0.1) * size
      return warpAffine(img, size, [sx, shear * sy, 0, sy], tx, ty)
    }
    case 'brightness': {
      const mul = rng.uniform(0.8, 1.2)
      const add = rng.uniform(-30, 30) / 255
      return img.map((v) => v * mul + add)
    }
    case 'sharpness':
      return sharpen(img, size, rng.uniform(0, 2))
    case 'equalize':
      return equalize(img)
    case 'contrast': {
      const f = rng.uniform(0.5, 1.5)
      let mean = 0
      for (let i = 0; i < img.length; i += 3) mean += luma(img, i)
      mean /= img.length / 3
      return img.map((v) => mean + f * (v - mean))
    }
    case 'saturation':
      return hueSaturation(img, (rng.uniform(-70, 70) * Math.PI) / 180, rng.uniform(0.5, 1.5))
    case 'gamma': {
      const g = rng.uniform(0.5, 2)
      return img.map((v) => Math.pow(Math.max(0, v), g))
    }
    case 'solarize': {
      const t = rng.uniform(32, 128) / 255
      return img.map((v) => (v >= t ? 1 - v : v))
    }
    case 'posterize': {
      const bits = rng.int(2, 6)
      const step = 2 ** (8 - bits)
      return img.map((v) => (Math.floor(Math.min(255, Math.max(0, v * 255)) / step) * step) / 255)
    }
    case 'invert':
      return img.map((v) => 1 - v)
    case 'autocontrast':
      return autocontrast(img)
  }
}

function luma(img: Float32Array, i: number): number {
  return 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!
}

/**
 * out(p) = in(M^-1 (p - c - t) + c): M applied about the centre, then a shift.
 * Sampling reflects at the borders so the texture stays full (DRAEM fills with
 * black, which only adds black corners to some anomalies).
 */
function warpAffine(img: Float32Array, size: number, m: readonly [number, number, number, number], tx: number, ty: number): Float32Array {
  const [a, b, c, d] = m
  const det = a * d - b * c
  const ia = d / det
  const ib = -b / det
  const ic = -c / det
  const id = a / det
  const ctr = size / 2
  const out = new Float32Array(img.length)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5 - ctr - tx
      const py = y + 0.5 - ctr - ty
      const sx = ia * px + ib * py + ctr - 0.5
      const sy = ic * px + id * py + ctr - 0.5
      const x0 = Math.floor(sx)
      const y0 = Math.floor(sy)
      const fx = sx - x0
      const fy = sy - y0
      const xa = reflect(x0, size)
      const xb = reflect(x0 + 1, size)
      const ya = reflect(y0, size)
      const yb = reflect(y0 + 1, size)
      const o = (y * size + x) * 3
      for (let ch = 0; ch < 3; ch++) {
        const p00 = img[(ya * size + xa) * 3 + ch]!
        const p10 = img[(ya * size + xb) * 3 + ch]!
        const p01 = img[(yb * size + xa) * 3 + ch]!
        const p11 = img[(yb * size + xb) * 3 + ch]!
        const top = p00 + fx * (p10 - p00)
        const bot = p01 + fx * (p11 - p01)
        out[o + ch] = top + fy * (bot - top)
      }
    }
  }
  return out
}

function reflect(i: number, n: number): number {
  const period = 2 * n
  let k = ((i % period) + period) % period
  if (k >= n) k = period - 1 - k
  return k
}

/** PIL's ImageEnhance.Sharpness: blend with its 3x3 smoothing filter (factor 1 = identity). */
function sharpen(img: Float32Array, size: number, factor: number): Float32Array {
  const out = Float32Array.from(img)
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            acc += img[((y + dy) * size + x + dx) * 3 + ch]! * (dx === 0 && dy === 0 ? 5 : 1)
          }
        }
        const smooth = acc / 13
        const o = (y * size + x) * 3 + ch
        out[o] = smooth + factor * (img[o]! - smooth)
      }
    }
  }
  return out
}

/** Per-channel histogram equalisation on 256 levels (as PIL's ImageOps.equalize). */
function equalize(img: Float32Array): Float32Array {
  const out = new Float32Array(img.length)
  const n = img.length / 3
  for (let ch = 0; ch < 3; ch++) {
    const hist = new Uint32Array(256)
    for (let i = 0; i < n; i++) hist[level(img[i * 3 + ch]!)]!++
    const cdf = new Float32Array(256)
    let acc = 0
    let cdfMin = -1
    for (let l = 0; l < 256; l++) {
      acc += hist[l]!
      cdf[l] = acc
      if (cdfMin < 0 && acc > 0) cdfMin = acc
    }
    const denom = n - cdfMin
    for (let i = 0; i < n; i++) {
      const l = level(img[i * 3 + ch]!)
      out[i * 3 + ch] = denom > 0 ? (cdf[l]! - cdfMin) / denom : img[i * 3 + ch]!
    }
  }
  return out
}

const level = (v: number): number => Math.min(255, Math.max(0, Math.round(v * 255)))

function autocontrast(img: Float32Array): Float32Array {
  const out = new Float32Array(img.length)
  for (let ch = 0; ch < 3; ch++) {
    let lo = Infinity
    let hi = -Infinity
    for (let i = ch; i < img.length; i += 3) {
      lo = Math.min(lo, img[i]!)
      hi = Math.max(hi, img[i]!)
    }
    const span = hi - lo
    for (let i = ch; i < img.length; i += 3) out[i] = span > 1e-6 ? (img[i]! - lo) / span : img[i]!
  }
  return out
}

/** Rotates the chroma about the grey axis by `hue` radians and scales it by `sat`. */
function hueSaturation(img: Float32Array, hue: number, sat: number): Float32Array {
  const out = new Float32Array(img.length)
  // Rodrigues rotation about (1,1,1)/sqrt(3).
  const cos = Math.cos(hue)
  const sin = Math.sin(hue)
  const k = (1 - cos) / 3
  const s3 = sin / Math.sqrt(3)
  const r0 = [cos + k, k - s3, k + s3]
  const r1 = [k + s3, cos + k, k - s3]
  const r2 = [k - s3, k + s3, cos + k]
  for (let i = 0; i < img.length; i += 3) {
    const r = img[i]!
    const g = img[i + 1]!
    const b = img[i + 2]!
    const m = (r + g + b) / 3
    const rr = r0[0]! * r + r0[1]! * g + r0[2]! * b
    const gg = r1[0]! * r + r1[1]! * g + r1[2]! * b
    const bb = r2[0]! * r + r2[1]! * g + r2[2]! * b
    out[i] = m + sat * (rr - m)
    out[i + 1] = m + sat * (gg - m)
    out[i + 2] = m + sat * (bb - m)
  }
  return out
}
