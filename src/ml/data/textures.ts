/**
 * The anomaly texture library. DRAEM draws textures from the DTD download;
 * plant PCs have no network, so textures are generated from the seed
 * (procedural families below) or taken from other normal images the caller
 * passes in. Every texture is size*size*3 floats in [0, 1], row-major RGB.
 */
import { fbmNoise, perlinNoise } from './perlin'
import type { Rng } from './rng'

export type TextureKind = 'fbm' | 'stripes' | 'cells' | 'scratches' | 'rust' | 'colouredNoise' | 'checker' | 'marble'

export const TEXTURE_KINDS: readonly TextureKind[] = [
  'fbm',
  'stripes',
  'cells',
  'scratches',
  'rust',
  'colouredNoise',
  'checker',
  'marble'
]

type Rgb = readonly [number, number, number]

const randomColour = (rng: Rng): Rgb => [rng.next(), rng.next(), rng.next()]

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/** Writes palette(t) for every t in `field` (values in [0, 1]) with a 2-3 colour ramp. */
function paint(field: Float32Array, rng: Rng): Float32Array {
  const stops: Rgb[] = [randomColour(rng), randomColour(rng)]
  if (rng.next() < 0.5) stops.push(randomColour(rng))
  const out = new Float32Array(field.length * 3)
  const segs = stops.length - 1
  for (let i = 0; i < field.length; i++) {
    const t = Math.min(1, Math.max(0, field[i]!)) * segs
    const s = Math.min(segs - 1, Math.floor(t))
    const c = mix(stops[s]!, stops[s + 1]!, t - s)
    out[i * 3] = c[0]
    out[i * 3 + 1] = c[1]
    out[i * 3 + 2] = c[2]
  }
  return out
}

const toUnit = (v: number): number => 0.5 + 0.5 * v

function fbmTexture(size: number, rng: Rng): Float32Array {
  const res = 2 ** rng.int(1, 3)
  const noise = fbmNoise(size, size, rng, { resX: res, resY: res, octaves: rng.int(3, 5), angle: rng.uniform(0, Math.PI) })
  for (let i = 0; i < noise.length; i++) noise[i] = toUnit(noise[i]! * 1.6)
  return paint(noise, rng)
}

function stripesTexture(size: number, rng: Rng): Float32Array {
  const angle = rng.uniform(0, Math.PI)
  const period = rng.uniform(3, size / 4)
  const warp = fbmNoise(size, size, rng, { resX: 2, resY: 2, octaves: 3 })
  const strength = rng.uniform(0, period)
  const sharp = rng.next() < 0.5
  const field = new Float32Array(size * size)
  const c = Math.cos(angle)
  const s = Math.sin(angle)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x
      const phase = ((x * c + y * s + strength * warp[i]!) / period) * 2 * Math.PI
      const v = Math.sin(phase)
      field[i] = sharp ? (v > 0 ? 1 : 0) : toUnit(v)
    }
  }
  return paint(field, rng)
}

function cellsTexture(size: number, rng: Rng): Float32Array {
  const n = rng.int(6, 60)
  const px = new Float32Array(n)
  const py = new Float32Array(n)
  const tone = new Float32Array(n)
  for (let k = 0; k < n; k++) {
    px[k] = rng.next() * size
    py[k] = rng.next() * size
    tone[k] = rng.next()
  }
  const edges = rng.next() < 0.5
  const field = new Float32Array(size * size)
  const cell = size / Math.sqrt(n)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let d1 = Infinity
      let d2 = Infinity
      let best = 0
      for (let k = 0; k < n; k++) {
        const dx = x + 0.5 - px[k]!
        const dy = y + 0.5 - py[k]!
        const d = dx * dx + dy * dy
        if (d < d1) {
          d2 = d1
          d1 = d
          best = k
        } else if (d < d2) d2 = d
      }
      // Edge mode shades by the gap to the second-nearest site (dark borders).
      field[y * size + x] = edges ? Math.min(1, (Math.sqrt(d2) - Math.sqrt(d1)) / (0.3 * cell)) : tone[best]!
    }
  }
  return paint(field, rng)
}

function scratchesTexture(size: number, rng: Rng): Float32Array {
  const base = colouredNoiseTexture(size, rng)
  const lines = rng.int(5, 40)
  const mainAngle = rng.uniform(0, Math.PI)
  const spread = rng.uniform(0, Math.PI / 2)
  for (let l = 0; l < lines; l++) {
    const colour = rng.next() < 0.5 ? randomColour(rng) : ([0.95, 0.95, 0.95] as Rgb)
    const a = mainAngle + rng.uniform(-spread, spread)
    const len = rng.uniform(size / 8, size)
    const width = rng.uniform(0.5, 2.5)
    const x0 = rng.next() * size
    const y0 = rng.next() * size
    const steps = Math.ceil(len * 2)
    for (let t = 0; t < steps; t++) {
      const cx = x0 + (Math.cos(a) * len * t) / steps
      const cy = y0 + (Math.sin(a) * len * t) / steps
      const r = Math.ceil(width)
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const x = Math.floor(cx) + dx
          const y = Math.floor(cy) + dy
          if (x < 0 || y < 0 || x >= size || y >= size) continue
          if (dx * dx + dy * dy > width * width) continue
          const o = (y * size + x) * 3
          base[o] = colour[0]
          base[o + 1] = colour[1]
          base[o + 2] = colour[2]
        }
      }
    }
  }
  return base
}

function rustTexture(size: number, rng: Rng): Float32Array {
  const rust: Rgb = [rng.uniform(0.45, 0.75), rng.uniform(0.2, 0.4), rng.uniform(0.02, 0.15)]
  const dark: Rgb = [rust[0] * 0.4, rust[1] * 0.4, rust[2] * 0.4]
  const metal: Rgb = [rng.uniform(0.4, 0.8), rng.uniform(0.4, 0.8), rng.uniform(0.4, 0.8)]
  const res = 2 ** rng.int(1, 3)
  const blobs = fbmNoise(size, size, rng, { resX: res, resY: res, octaves: 5 })
  const grain = perlinNoise(size, size, rng, { resX: size / 4, resY: size / 4 })
  const level = rng.uniform(-0.2, 0.2)
  const out = new Float32Array(size * size * 3)
  for (let i = 0; i < size * size; i++) {
    const t = Math.min(1, Math.max(0, (blobs[i]! - level) * 4 + 0.5))
    const speck = 0.15 * grain[i]!
    const c = mix(metal, mix(rust, dark, toUnit(grain[i]!)), t)
    out[i * 3] = c[0] + speck
    out[i * 3 + 1] = c[1] + speck
    out[i * 3 + 2] = c[2] + speck
  }
  return clamp01(out)
}

function colouredNoiseTexture(size: number, rng: Rng): Float32Array {
  const out = new Float32Array(size * size * 3)
  const mean = randomColour(rng)
  const amp = rng.uniform(0.1, 0.5)
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = mean[c]! + amp * (rng.next() - 0.5) * 2
  }
  const radius = rng.int(0, 4)
  if (radius > 0) boxBlur(out, size, size, 3, radius)
  return clamp01(out)
}

function checkerTexture(size: number, rng: Rng): Float32Array {
  const cell = rng.uniform(4, size / 3)
  const angle = rng.uniform(0, Math.PI / 2)
  const c = Math.cos(angle)
  const s = Math.sin(angle)
  const field = new Float32Array(size * size)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = Math.floor((x * c + y * s) / cell)
      const v = Math.floor((-x * s + y * c) / cell)
      field[y * size + x] = (u + v) & 1
    }
  }
  return paint(field, rng)
}

function marbleTexture(size: number, rng: Rng): Float32Array {
  const turb = fbmNoise(size, size, rng, { resX: 4, resY: 4, octaves: 5 })
  const freq = rng.uniform(2, 12)
  const power = rng.uniform(2, 8)
  const angle = rng.uniform(0, Math.PI)
  const c = Math.cos(angle)
  const s = Math.sin(angle)
  const field = new Float32Array(size * size)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x
      const t = ((x * c + y * s) / size) * freq + power * turb[i]!
      field[i] = toUnit(Math.sin(t * Math.PI))
    }
  }
  return paint(field, rng)
}

const GENERATORS: Record<TextureKind, (size: number, rng: Rng) => Float32Array> = {
  fbm: fbmTexture,
  stripes: stripesTexture,
  cells: cellsTexture,
  scratches: scratchesTexture,
  rust: rustTexture,
  colouredNoise: colouredNoiseTexture,
  checker: checkerTexture,
  marble: marbleTexture
}

/** One procedural texture of the given family. */
export function proceduralTexture(kind: TextureKind, size: number, rng: Rng): Float32Array {
  return GENERATORS[kind](size, rng)
}

/**
 * A texture: with `extraSources` (size*size*3 images, e.g. other normal
 * frames), half of the draws take one of them; otherwise a procedural family
 * drawn uniformly.
 */
export function textureSample(size: number, rng: Rng, extraSources?: readonly Float32Array[]): Float32Array {
  if (extraSources && extraSources.length > 0 && rng.next() < 0.5) {
    const src = rng.pick(extraSources)
    if (src.length !== size * size * 3) {
      throw new Error(`textureSample: extra texture has ${src.length} values, expected ${size * size * 3} (${size}x${size}x3)`)
    }
    return Float32Array.from(src)
  }
  return proceduralTexture(rng.pick(TEXTURE_KINDS), size, rng)
}

/** In-place separable box blur (edges clamped) of an interleaved image. */
export function boxBlur(img: Float32Array, width: number, height: number, channels: number, radius: number): void {
  const tmp = new Float32Array(img.length)
  const norm = 1 / (2 * radius + 1)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0
        for (let d = -radius; d <= radius; d++) {
          const xx = Math.min(width - 1, Math.max(0, x + d))
          acc += img[(y * width + xx) * channels + c]!
        }
        tmp[(y * width + x) * channels + c] = acc * norm
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0
        for (let d = -radius; d <= radius; d++) {
          const yy = Math.min(height - 1, Math.max(0, y + d))
          acc += tmp[(yy * width + x) * channels + c]!
        }
        img[(y * width + x) * channels + c] = acc * norm
      }
    }
  }
}

export function clamp01(img: Float32Array): Float32Array {
  for (let i = 0; i < img.length; i++) {
    const v = img[i]!
    img[i] = v < 0 ? 0 : v > 1 ? 1 : v
  }
  return img
}
