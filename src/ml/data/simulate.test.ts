import { describe, expect, it } from 'vitest'
import { AUGMENTATIONS, applyAugmentation, augmentTexture } from './augment'
import { perlinMask, perlinNoise } from './perlin'
import { createRng } from './rng'
import { simulateAnomaly } from './simulate'
import { TEXTURE_KINDS, proceduralTexture, textureSample } from './textures'

const SIZE = 32

function gradientImage(size: number): Float32Array {
  const img = new Float32Array(size * size * 3)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3
      img[o] = x / size
      img[o + 1] = y / size
      img[o + 2] = 0.5
    }
  }
  return img
}

const inUnit = (a: Float32Array): boolean => a.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)

describe('rng', () => {
  it('replays a sequence for a seed and keeps int() inside its inclusive bounds', () => {
    const a = createRng(42)
    const b = createRng(42)
    const c = createRng(43)
    const sa = Array.from({ length: 20 }, () => a.next())
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(sa)
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa)
    const r = createRng(1)
    const seen = new Set<number>()
    for (let i = 0; i < 500; i++) seen.add(r.int(2, 5))
    expect([...seen].sort()).toEqual([2, 3, 4, 5])
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5])
    expect(new Set(r.sample([1, 2, 3, 4, 5], 3)).size).toBe(3)
    expect(() => r.int(3, 2)).toThrow(/lo <= hi/)
    expect(() => r.pick([])).toThrow(/empty/)
  })
})

describe('perlin', () => {
  it('noise stays in [-1, 1] and varies', () => {
    const n = perlinNoise(64, 64, createRng(3), { resX: 4, resY: 8, angle: 0.7 })
    expect(n.every((v) => v >= -1 && v <= 1)).toBe(true)
    expect(Math.max(...n) - Math.min(...n)).toBeGreaterThan(0.5)
  })

  it('masks are binary, seeded, and cover a plausible share on average', () => {
    const m1 = perlinMask(SIZE, createRng(9))
    expect(perlinMask(SIZE, createRng(9))).toEqual(m1)
    expect(m1.every((v) => v === 0 || v === 1)).toBe(true)
    let covered = 0
    let differs = 0
    for (let s = 0; s < 40; s++) {
      const m = perlinMask(SIZE, createRng(100 + s))
      covered += m.reduce((a, v) => a + v, 0) / m.length
      if (m.some((v, i) => v !== m1[i])) differs++
    }
    expect(differs).toBeGreaterThan(35)
    const mean = covered / 40
    expect(mean).toBeGreaterThan(0.01)
    expect(mean).toBeLessThan(0.3)
  })
})

describe('textures and augmentation', () => {
  it('every procedural family gives a non-flat size*size*3 image in [0,1], seeded', () => {
    for (const kind of TEXTURE_KINDS) {
      const t = proceduralTexture(kind, SIZE, createRng(5))
      expect(t.length).toBe(SIZE * SIZE * 3)
      expect(inUnit(t)).toBe(true)
      expect(Math.max(...t) - Math.min(...t)).toBeGreaterThan(0.05)
      expect(proceduralTexture(kind, SIZE, createRng(5))).toEqual(t)
    }
  })

  it('draws extra sources about half of the time and checks their size', () => {
    const extra = new Float32Array(SIZE * SIZE * 3).fill(0.25)
    const rng = createRng(8)
    let fromExtra = 0
    for (let i = 0; i < 40; i++) if (textureSample(SIZE, rng, [extra]).every((v) => v === 0.25)) fromExtra++
    expect(fromExtra).toBeGreaterThan(10)
    expect(fromExtra).toBeLessThan(30)
    const bad = new Float32Array(10)
    const r2 = createRng(1)
    expect(() => {
      for (let i = 0; i < 20; i++) textureSample(SIZE, r2, [bad])
    }).toThrow(/expected 3072/)
  })

  it('each augmentation keeps the shape and finite values; the composite stays in [0,1]', () => {
    const img = gradientImage(SIZE)
    for (const op of AUGMENTATIONS) {
      const out = applyAugmentation(op, img, SIZE, createRng(2))
      expect(out.length).toBe(img.length)
      expect(out.every(Number.isFinite)).toBe(true)
    }
    expect(applyAugmentation('invert', img, SIZE, createRng(1))[0]).toBeCloseTo(1 - img[0]!, 6)
    const flat = new Float32Array(SIZE * SIZE * 3).fill(0.4)
    expect(applyAugmentation('rotate', flat, SIZE, createRng(1)).every((v) => Math.abs(v - 0.4) < 1e-6)).toBe(true)
    const a = augmentTexture(img, SIZE, createRng(3))
    expect(inUnit(a)).toBe(true)
    expect(augmentTexture(img, SIZE, createRng(3))).toEqual(a)
    expect(augmentTexture(img, SIZE, createRng(3), { count: 0 })).toEqual(img)
  })
})

describe('simulateAnomaly', () => {
  const image = gradientImage(SIZE)

  it('gives the same sample for the same seed and a different one for another', () => {
    const a = simulateAnomaly(image, SIZE, createRng(21), { probability: 1 })
    const b = simulateAnomaly(image, SIZE, createRng(21), { probability: 1 })
    const c = simulateAnomaly(image, SIZE, createRng(22), { probability: 1 })
    expect(a.anomalous).toBe(true)
    expect(b.image).toEqual(a.image)
    expect(b.mask).toEqual(a.mask)
    expect(c.mask).not.toEqual(a.mask)
  })

  it('pastes I*beta + A*(1-beta) inside the mask, beta in [0, 0.8), and leaves the rest untouched', () => {
    const grey = new Float32Array(SIZE * SIZE * 3).fill(0.2)
    const white = (): Float32Array => new Float32Array(SIZE * SIZE * 3).fill(1)
    for (let s = 0; s < 10; s++) {
      const r = simulateAnomaly(grey, SIZE, createRng(s), { probability: 1, textureSource: white, augment: { count: 0 } })
      expect(r.anomalous).toBe(true)
      const inside: number[] = []
      for (let i = 0; i < SIZE * SIZE; i++) {
        for (let c = 0; c < 3; c++) {
          if (r.mask[i] === 1) inside.push(r.image[i * 3 + c]!)
          else expect(r.image[i * 3 + c]).toBeCloseTo(0.2, 6)
        }
      }
      const v = inside[0]!
      expect(inside.every((x) => Math.abs(x - v) < 1e-6)).toBe(true)
      const beta = (1 - v) / 0.8 // v = 0.2*beta + 1*(1 - beta)
      expect(beta).toBeGreaterThanOrEqual(-1e-6)
      expect(beta).toBeLessThan(0.8)
    }
  })

  it('keeps about (1-p) of the samples clean with an all-zero mask', () => {
    let anomalous = 0
    for (let s = 0; s < 40; s++) {
      const r = simulateAnomaly(image, SIZE, createRng(1000 + s))
      if (r.anomalous) anomalous++
      else {
        expect(r.mask.every((v) => v === 0)).toBe(true)
        expect(r.image).toEqual(image)
      }
      expect(r.mask.some((v) => v !== 0)).toBe(r.anomalous)
    }
    expect(anomalous).toBeGreaterThan(10)
    expect(anomalous).toBeLessThan(30)
    expect(simulateAnomaly(image, SIZE, createRng(1), { probability: 0 }).anomalous).toBe(false)
  })

  it('confines the anomaly to the region and keeps grey images grey', () => {
    const grey = new Float32Array(SIZE * SIZE * 3)
    for (let i = 0; i < SIZE * SIZE; i++) grey.fill(((i % 7) + 1) / 10, i * 3, i * 3 + 3)
    const region = { x0: 0, y0: 8, x1: 32, y1: 24 }
    for (let s = 0; s < 8; s++) {
      const r = simulateAnomaly(grey, SIZE, createRng(50 + s), { probability: 1, region })
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) if (y < 8 || y >= 24) expect(r.mask[y * SIZE + x]).toBe(0)
      }
      for (let i = 0; i < SIZE * SIZE; i++) {
        expect(r.image[i * 3]).toBeCloseTo(r.image[i * 3 + 1]!, 6)
        expect(r.image[i * 3]).toBeCloseTo(r.image[i * 3 + 2]!, 6)
      }
    }
  })

  it('rejects a wrongly sized image', () => {
    expect(() => simulateAnomaly(new Float32Array(5), SIZE, createRng(1))).toThrow(/expected 3072 values/)
  })
})
