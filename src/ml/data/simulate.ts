/**
 * Stage-1 anomaly simulation (thesis eq. 3-1, DRAEM):
 *   I_c = I*(1-P_t) + beta*(I*P_t) + (1-beta)*(A*P_t),  beta ~ U[0, 0.8)
 * with P_t a thresholded rotated Perlin mask and A an augmented texture.
 */
import { augmentTexture, type AugmentOptions } from './augment'
import { perlinMask, type PerlinMaskOptions } from './perlin'
import type { Rng } from './rng'
import { textureSample } from './textures'

export interface SimulateOptions {
  /** Chance that a sample gets an anomaly (default 0.5: about half stay clean). */
  probability?: number
  /** Other normal images (size*size*3) used as textures besides the procedural ones. */
  extraTextures?: readonly Float32Array[]
  /**
   * Area (model pixels, corner coordinates) allowed to hold the anomaly. The
   * thesis crops the simulated anomaly to the real frame, so pass
   * validRegion(box) for letterboxed frames; default: the whole image.
   */
  region?: { x0: number; y0: number; x1: number; y1: number }
  /** Upper end of beta's range (default 0.8). */
  maxBeta?: number
  /**
   * Grey textures for grey images (R=G=B everywhere), so the reconstruction
   * net cannot find simulated anomalies by colour alone, a cue real defects on
   * grey steel never give. Default true.
   */
  matchGrey?: boolean
  perlin?: PerlinMaskOptions
  augment?: AugmentOptions
  /** Replaces the texture library (textureSample) as the source of A, before augmentation. */
  textureSource?: (size: number, rng: Rng) => Float32Array
}

export interface SimulatedSample {
  /** size*size*3 in [0, 1]. */
  image: Float32Array
  /** size*size, 1 where the anomaly was pasted. */
  mask: Float32Array
  anomalous: boolean
}

/** Perlin draws that come out empty (or outside `region`) are redrawn this many times. */
const MASK_ATTEMPTS = 4

export function simulateAnomaly(image: Float32Array, size: number, rng: Rng, opts: SimulateOptions = {}): SimulatedSample {
  if (image.length !== size * size * 3) {
    throw new Error(`simulateAnomaly: expected ${size * size * 3} values (${size}x${size}x3), got ${image.length}`)
  }
  const p = opts.probability ?? 0.5
  if (!(p >= 0 && p <= 1)) throw new Error(`simulateAnomaly: probability must be in [0, 1], got ${p}`)
  const clean = (): SimulatedSample => ({ image: Float32Array.from(image), mask: new Float32Array(size * size), anomalous: false })
  if (!(rng.next() < p)) return clean()

  let mask: Uint8Array | null = null
  for (let attempt = 0; attempt < MASK_ATTEMPTS && !mask; attempt++) {
    const m = perlinMask(size, rng, opts.perlin)
    if (opts.region) clipToRegion(m, size, opts.region)
    if (m.some((v) => v !== 0)) mask = m
  }
  if (!mask) return clean()

  const raw = opts.textureSource ? opts.textureSource(size, rng) : textureSample(size, rng, opts.extraTextures)
  let texture = augmentTexture(raw, size, rng, opts.augment)
  if ((opts.matchGrey ?? true) && isGrey(image)) texture = toGrey(texture)
  const beta = rng.next() * (opts.maxBeta ?? 0.8)

  const out = Float32Array.from(image)
  const maskOut = new Float32Array(size * size)
  for (let i = 0; i < size * size; i++) {
    if (!mask[i]) continue
    maskOut[i] = 1
    for (let c = 0; c < 3; c++) {
      const o = i * 3 + c
      out[o] = beta * image[o]! + (1 - beta) * texture[o]!
    }
  }
  return { image: out, mask: maskOut, anomalous: true }
}

function clipToRegion(mask: Uint8Array, size: number, r: { x0: number; y0: number; x1: number; y1: number }): void {
  for (let y = 0; y < size; y++) {
    const inY = y + 0.5 >= r.y0 && y + 0.5 < r.y1
    for (let x = 0; x < size; x++) {
      if (!inY || x + 0.5 < r.x0 || x + 0.5 >= r.x1) mask[y * size + x] = 0
    }
  }
}

function isGrey(img: Float32Array): boolean {
  for (let i = 0; i < img.length; i += 3) {
    if (Math.abs(img[i]! - img[i + 1]!) > 1e-6 || Math.abs(img[i]! - img[i + 2]!) > 1e-6) return false
  }
  return true
}

function toGrey(img: Float32Array): Float32Array {
  const out = new Float32Array(img.length)
  for (let i = 0; i < img.length; i += 3) {
    const g = 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!
    out[i] = g
    out[i + 1] = g
    out[i + 2] = g
  }
  return out
}
