/**
 * The post-processor against independent references: image scores against
 * scipy (ndimage.generic_filter with np.nanmean over a NaN-padded map, which
 * is a box mean that divides by the pixels inside the map), printed once by
 * scipy 1.17 from the map below; the threshold rule against hand-worked
 * pixels.
 */
import { describe, expect, it } from 'vitest'
import { IMAGE_SCORE_BOX, extractMasks, imageScore, type PostClass } from './postprocess'

// rng = np.random.default_rng(7); p = np.round(rng.random((6, 7, 3)), 2); p[1, 5, 0] = 0.99
const W = 7
const H = 6
const probs = [
  0.63, 0.9, 0.78, 0.23, 0.3, 0.87, 0.01, 0.82, 0.8, 0.47, 0.3, 0.28, 0.25, 0.45, 0.5, 0.55, 1.0, 0.79, 0.62, 0.99, 0.22, 0.16, 0.61, 0.04, 0.04,
  0.51, 0.47, 0.92, 0.63, 0.51, 0.5, 0.25, 0.01, 0.19, 0.69, 0.2, 0.99, 0.0, 0.83, 0.15, 0.27, 0.88, 0.51, 0.85, 0.64, 0.74, 0.09, 0.54, 0.51,
  0.87, 0.36, 0.6, 0.06, 0.39, 0.32, 0.15, 0.82, 0.38, 0.98, 0.59, 0.61, 0.64, 0.68, 0.15, 0.44, 0.24, 0.4, 0.1, 0.97, 0.22, 0.67, 0.3, 0.87,
  0.66, 0.13, 0.85, 0.94, 0.9, 0.57, 0.15, 0.19, 0.93, 0.55, 0.18, 0.88, 0.64, 0.57, 0.38, 0.41, 0.24, 0.04, 0.88, 0.47, 0.55, 0.32, 0.75, 0.03,
  0.37, 0.03, 0.12, 0.97, 0.66, 0.43, 0.52, 0.87, 0.34, 0.59, 0.68, 0.36, 0.52, 0.77, 0.91, 0.15, 0.93, 0.01, 0.75, 0.81, 0.14, 0.42, 0.82,
  0.01, 0.63, 0.79, 0.51, 0.73, 0.23
]
const three: PostClass[] = [
  { name: 'a', kind: 'defect' },
  { name: 'b', kind: 'defect' },
  { name: 'c', kind: 'defect' }
]
/** scipy's per-class maxima of the box-mean map, by box side. */
const scipyMax: Record<number, number[]> = {
  1: [0.99, 1.0, 0.97],
  3: [0.605, 0.7125, 0.68],
  5: [0.553125, 0.62, 0.6122222222222222]
}

describe('imageScore', () => {
  it('is the highest box-mean defect probability, as scipy computes it, for every box side', () => {
    for (const k of [1, 3, 5]) {
      expect(imageScore(probs, W, H, three, { kernel: k })).toBeCloseTo(Math.max(...scipyMax[k]!), 10)
      // one class at a time: the other two as regions, which never count
      for (let c = 0; c < 3; c++) {
        const only = three.map((cl, i) => (i === c ? cl : { ...cl, kind: 'region' as const }))
        expect(imageScore(probs, W, H, only, { kernel: k })).toBeCloseTo(scipyMax[k]![c]!, 10)
      }
    }
  })

  it('uses a 3 px box unless told otherwise', () => {
    expect(IMAGE_SCORE_BOX).toBe(3)
    expect(imageScore(probs, W, H, three)).toBeCloseTo(0.7125, 10)
  })

  it('scores only inside the valid region, dividing by the pixels inside it', () => {
    // scipy on p[2:6, 1:5] (rows 2-5, columns 1-4), classes a and b
    const two = three.map((cl, i) => (i === 2 ? { ...cl, kind: 'region' as const } : cl))
    expect(imageScore(probs, W, H, two, { region: { x0: 1, y0: 2, x1: 5, y1: 6 } })).toBeCloseTo(0.66, 10)
  })

  it('lets no single hot pixel flag a frame, but a 3x3 blob does', () => {
    const classes: PostClass[] = [{ name: 'd', kind: 'defect' }]
    const map = new Float32Array(20 * 20)
    map[10 * 20 + 10] = 1
    expect(imageScore(map, 20, 20, classes)).toBeCloseTo(1 / 9, 6)
    for (let y = 9; y <= 11; y++) for (let x = 9; x <= 11; x++) map[y * 20 + x] = 1
    expect(imageScore(map, 20, 20, classes)).toBeCloseTo(1, 6)
  })

  it('never counts a region class, and is 0 without defect classes', () => {
    const classes: PostClass[] = [
      { name: 'd', kind: 'defect' },
      { name: 'lathe', kind: 'region' }
    ]
    const map = new Float32Array(8 * 8 * 2)
    for (let i = 0; i < 64; i++) map[i * 2 + 1] = 1
    expect(imageScore(map, 8, 8, classes)).toBe(0)
    expect(imageScore(map, 8, 8, [classes[1]!])).toBe(0)
  })

  it('refuses an even or non-integer box side', () => {
    expect(() => imageScore(probs, W, H, three, { kernel: 4 })).toThrow(/positive odd integer/)
    expect(() => imageScore(probs, W, H, three, { kernel: 2.5 })).toThrow(/positive odd integer/)
  })
})

describe('extractMasks', () => {
  const classes: PostClass[] = [
    { name: 'fold', kind: 'defect' },
    { name: 'edge_crack', kind: 'defect' },
    { name: 'lathe', kind: 'region' }
  ]
  const thresholds = { fold: 0.5, edge_crack: 0.3, lathe: 0.6 }

  it('gives a pixel the most probable defect over its threshold, and region classes on their own', () => {
    // pixel: [fold, edge_crack, lathe]
    const pixels = [
      [0.9, 0.8, 0.7], // both defects over: fold is higher -> fold; lathe over
      [0.45, 0.35, 0.1], // fold under its threshold, crack over -> crack
      [0.6, 0.7, 0.59], // both over, crack higher -> crack; lathe just under
      [0.2, 0.29, 0.6], // neither defect; lathe exactly at threshold counts
      [0.5, 0.5, 0] // ties at threshold: fold comes first, crack not higher
    ]
    const masks = extractMasks(pixels.flat(), pixels.length, 1, classes, thresholds)
    expect(Array.from(masks[0]!)).toEqual([1, 0, 0, 0, 1])
    expect(Array.from(masks[1]!)).toEqual([0, 1, 1, 0, 0])
    expect(Array.from(masks[2]!)).toEqual([1, 0, 0, 1, 0])
  })

  it('refuses maps of the wrong size and classes without a threshold', () => {
    expect(() => extractMasks(new Float32Array(5), 2, 1, classes, thresholds)).toThrow(/expected 6 values/)
    expect(() => extractMasks(new Float32Array(3), 1, 1, classes, { fold: 0.5, lathe: 0.5 })).toThrow(/no threshold for class "edge_crack"/)
  })
})
