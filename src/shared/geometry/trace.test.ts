import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { isSimple } from './polygon'
import { polygonArea, rasterizeInto, rasterizePolygon, type FlatPolygon } from './raster'
import { traceBinary, traceMask } from './trace'

const MASK_DIR = '/work/shared/datasets/magnetic-tile/masks'

function maskFrom(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const h = rows.length
  const w = rows[0]!.length
  const mask = new Uint8Array(w * h)
  rows.forEach((row, j) => {
    for (let i = 0; i < w; i++) mask[j * w + i] = row[i] === '.' ? 0 : Number(row[i])
  })
  return { mask, w, h }
}

function paint(w: number, h: number, inside: (x: number, y: number) => boolean, value = 1): Uint8Array {
  const mask = new Uint8Array(w * h)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x, y)) mask[y * w + x] = value
  return mask
}

/** An 8-connected digital path through the given points (Bresenham between them). */
function path(w: number, h: number, pts: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const mask = new Uint8Array(w * h)
  for (let k = 0; k + 1 < pts.length; k++) {
    let [x, y] = pts[k]!
    const [x1, y1] = pts[k + 1]!
    const dx = Math.abs(x1 - x)
    const dy = -Math.abs(y1 - y)
    const sx = x < x1 ? 1 : -1
    const sy = y < y1 ? 1 : -1
    let err = dx + dy
    for (;;) {
      mask[y * w + x] = 1
      if (x === x1 && y === y1) break
      const e2 = 2 * err
      if (e2 >= dy) {
        err += dy
        x += sx
      }
      if (e2 <= dx) {
        err += dx
        y += sy
      }
    }
  }
  return mask
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0
  let union = 0
  for (let k = 0; k < a.length; k++) {
    inter += a[k] && b[k] ? 1 : 0
    union += a[k] || b[k] ? 1 : 0
  }
  return union === 0 ? 1 : inter / union
}

/**
 * 8-connected components of value `v` in scan order, each with holes filled:
 * the pixels not reachable from outside the frame through non-component
 * pixels by 4-steps. Written independently of trace.ts.
 */
function filledComponents(mask: Uint8Array, w: number, h: number, v: number): Uint8Array[] {
  const label = new Int32Array(w * h).fill(-1)
  const queue = new Int32Array((w + 2) * (h + 2))
  let count = 0
  for (let s = 0; s < w * h; s++) {
    if (mask[s] !== v || label[s] !== -1) continue
    let tail = 0
    queue[tail++] = s
    label[s] = count
    for (let q = 0; q < tail; q++) {
      const p = queue[q]!
      const x = p % w
      const y = (p - x) / w
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx
          const ny = y + dy
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue
          const r = ny * w + nx
          if (mask[r] === v && label[r] === -1) {
            label[r] = count
            queue[tail++] = r
          }
        }
      }
    }
    count++
  }
  const out: Uint8Array[] = []
  // Flood the outside of each component on a frame padded by one pixel, so
  // the outside is one region; whatever it does not reach is the filled component.
  const pw = w + 2
  const ph = h + 2
  for (let id = 0; id < count; id++) {
    const outside = new Uint8Array(pw * ph)
    let tail = 0
    queue[tail++] = 0
    outside[0] = 1
    for (let q = 0; q < tail; q++) {
      const p = queue[q]!
      const x = p % pw
      const y = (p - x) / pw
      for (let n = 0; n < 4; n++) {
        const nx = x + (n === 0 ? 1 : n === 1 ? -1 : 0)
        const ny = y + (n === 2 ? 1 : n === 3 ? -1 : 0)
        if (nx < 0 || ny < 0 || nx >= pw || ny >= ph) continue
        const r = ny * pw + nx
        if (outside[r]) continue
        if (nx >= 1 && ny >= 1 && nx <= w && ny <= h && label[(ny - 1) * w + (nx - 1)] === id) continue
        outside[r] = 1
        queue[tail++] = r
      }
    }
    const filled = new Uint8Array(w * h)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) filled[y * w + x] = outside[(y + 1) * pw + x + 1] ? 0 : 1
    out.push(filled)
  }
  return out
}

/** Exact mode: every polygon is simple and rasterises to its component, holes filled. */
function expectExactTrace(mask: Uint8Array, w: number, h: number): Map<number, FlatPolygon[]> {
  const traced = traceMask(mask, w, h, { tolerance: 0 })
  const values = [...new Set(mask)].filter((v) => v !== 0).sort((a, b) => a - b)
  expect([...traced.keys()]).toEqual(values)
  for (const v of values) {
    const polys = traced.get(v)!
    const comps = filledComponents(mask, w, h, v)
    expect(polys).toHaveLength(comps.length)
    polys.forEach((poly, k) => {
      expect(isSimple(poly)).toBe(true)
      const got = rasterizePolygon(poly, w, h)
      const want = comps[k]!
      if (!got.every((p, m) => p === want[m])) {
        expect({ value: v, component: k, poly, iou: iou(got, want) }).toEqual({ value: v, component: k, poly, iou: 1 })
      }
    })
  }
  return traced
}

/** Max distance from each vertex of `dense` to the ring `sparse`. */
function maxDeviation(dense: FlatPolygon, sparse: FlatPolygon): number {
  let worst = 0
  const n = sparse.length / 2
  for (let k = 0; k < dense.length; k += 2) {
    const px = dense[k]!
    const py = dense[k + 1]!
    let best = Infinity
    for (let e = 0; e < n; e++) {
      const ax = sparse[2 * e]!
      const ay = sparse[2 * e + 1]!
      const dx = sparse[2 * ((e + 1) % n)]! - ax
      const dy = sparse[2 * ((e + 1) % n) + 1]! - ay
      const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
      best = Math.min(best, Math.hypot(px - ax - t * dx, py - ay - t * dy))
    }
    worst = Math.max(worst, best)
  }
  return worst
}

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('traceMask, exact contours (tolerance 0)', () => {
  it('traces a rectangle to its four corners, clockwise on screen', () => {
    const { mask, w, h } = maskFrom(['......', '.1111.', '.1111.', '......'])
    const polys = expectExactTrace(mask, w, h).get(1)!
    expect(polys).toEqual([[1, 1, 5, 1, 5, 3, 1, 3]])
    expect(polygonArea(polys[0]!)).toBe(8)
  })

  it('traces a single pixel (a diamond through its edge midpoints) and shapes touching every frame edge', () => {
    expect(traceMask(new Uint8Array([1]), 1, 1, { tolerance: 0 }).get(1)).toEqual([[0, 0.5, 0.5, 0, 1, 0.5, 0.5, 1]])
    expectExactTrace(new Uint8Array(12).fill(3), 4, 3)
    expectExactTrace(maskFrom(['1..1', '....', '1..1']).mask, 4, 3)
  })

  it('traces an L shape and a U shape (concave) exactly', () => {
    // Corners between runs of 2+ pixels stay; those at one-pixel ends are cut.
    const l = maskFrom(['1...', '1...', '1111'])
    expect(expectExactTrace(l.mask, l.w, l.h).get(1)).toEqual([
      [0, 0.5, 0.5, 0, 1, 0.5, 1, 2, 3.5, 2, 4, 2.5, 3.5, 3, 0, 3]
    ])
    const u = maskFrom(['1.1', '1.1', '111'])
    expectExactTrace(u.mask, u.w, u.h)
  })

  it('turns a 1 px diagonal line into one thin band, not a chain of pinched squares', () => {
    const d = maskFrom(['1....', '.1...', '..1..', '...1.', '....1'])
    const polys = expectExactTrace(d.mask, d.w, d.h).get(1)!
    expect(polys).toEqual([[0, 0.5, 0.5, 0, 5, 4.5, 4.5, 5]])
    const anti = maskFrom(['....1', '...1.', '..1..', '.1...', '1....'])
    expect(expectExactTrace(anti.mask, anti.w, anti.h).get(1)).toHaveLength(1)
  })

  it('handles components touching themselves at a corner', () => {
    // Two 2x2 blocks meeting at one corner: long runs, so the pinch is nudged apart.
    const b = maskFrom(['11..', '11..', '..11', '..11'])
    const blocks = expectExactTrace(b.mask, b.w, b.h).get(1)!
    expect(blocks).toHaveLength(1)
    expect(blocks[0]).toHaveLength(16)
    expect(blocks[0]!.filter((c) => c === 2 - 1 / 16 || c === 2 + 1 / 16)).toHaveLength(4)
    // The ring of 1s closes through a diagonal step, enclosing a hole.
    const m = maskFrom(['.111.', '1...1', '1...1', '.1.1.', '..1..'])
    const polys = expectExactTrace(m.mask, m.w, m.h).get(1)!
    expect(polys).toHaveLength(1)
    // A checkerboard is one component with pinches everywhere.
    const c = maskFrom(['1.1.1', '.1.1.', '1.1.1', '.1.1.'])
    expect(expectExactTrace(c.mask, c.w, c.h).get(1)).toHaveLength(1)
  })

  it('fills holes and lists a component inside a hole separately, after its surround', () => {
    const m = maskFrom(['11111', '1...1', '1.1.1', '1...1', '11111'])
    const polys = expectExactTrace(m.mask, m.w, m.h).get(1)!
    expect(polys).toHaveLength(2)
    expect(polys[0]).toEqual([0, 0, 5, 0, 5, 5, 0, 5])
    expect(polys[1]).toEqual([2, 2.5, 2.5, 2, 3, 2.5, 2.5, 3])
  })

  it('separates classes, including touching regions of different values', () => {
    const m = maskFrom(['1122', '1122', '5..2', '5...'])
    const traced = expectExactTrace(m.mask, m.w, m.h)
    expect([...traced.keys()]).toEqual([1, 2, 5])
    expect(traced.get(1)).toEqual([[0, 0, 2, 0, 2, 2, 0, 2]])
    expect(traced.get(5)).toEqual([[0, 2.5, 0.5, 2, 1, 2.5, 1, 3.5, 0.5, 4, 0, 3.5]])
  })

  it('reproduces random masks exactly (dense noise: pinches, holes, nesting, frame contact)', () => {
    const rand = rng(99)
    for (let trial = 0; trial < 40; trial++) {
      const w = 5 + Math.floor(rand() * 30)
      const h = 5 + Math.floor(rand() * 30)
      const density = 0.2 + rand() * 0.6
      const classes = 1 + Math.floor(rand() * 3)
      const mask = paint(w, h, () => rand() < density)
      for (let k = 0; k < mask.length; k++) if (mask[k]) mask[k] = 1 + Math.floor(rand() * classes)
      expectExactTrace(mask, w, h)
    }
  })
})

describe('traceMask, simplified (tolerance 1)', () => {
  const w = 200
  const h = 160
  const blobs: Array<[string, Uint8Array]> = [
    ['disc r=40', paint(w, h, (x, y) => (x + 0.5 - 90) ** 2 + (y + 0.5 - 80) ** 2 <= 40 ** 2)],
    ['disc r=12', paint(w, h, (x, y) => (x + 0.5 - 30) ** 2 + (y + 0.5 - 30) ** 2 <= 12 ** 2)],
    ['tilted ellipse', paint(w, h, (x, y) => ((x - 100 + (y - 80)) / 70) ** 2 + ((x - 100 - (y - 80)) / 30) ** 2 <= 1)],
    ['L shape', paint(w, h, (x, y) => (x >= 20 && x < 50 && y >= 20 && y < 140) || (x >= 20 && x < 150 && y >= 110 && y < 140))],
    [
      'wobbly blob',
      paint(w, h, (x, y) => {
        const a = Math.atan2(y - 80, x - 100)
        return Math.hypot(x - 100, y - 80) <= 50 + 8 * Math.sin(5 * a) + 3 * Math.cos(13 * a)
      })
    ]
  ]

  for (const [name, mask] of blobs) {
    it(`${name}: plain RDP keeps IoU >= 0.95, stays within 1 px, with far fewer vertices`, () => {
      const exact = traceBinary(mask, w, h, { tolerance: 0 })
      const simple = traceBinary(mask, w, h, { tolerance: 1, minIoU: 0 })
      expect(simple).toHaveLength(1)
      expect(isSimple(simple[0]!)).toBe(true)
      expect(iou(rasterizePolygon(simple[0]!, w, h), mask)).toBeGreaterThanOrEqual(0.95)
      expect(maxDeviation(exact[0]!, simple[0]!)).toBeLessThanOrEqual(1)
      expect(maxDeviation(simple[0]!, exact[0]!)).toBeLessThanOrEqual(1)
      if (exact[0]!.length > 16) expect(simple[0]!.length).toBeLessThanOrEqual(exact[0]!.length / 2)
    })
  }

  it('a 1 px wide shallow crack collapses under plain RDP; the fidelity floor keeps it', () => {
    // Steps every 20 px: the whole crack lies within 1 px of one chord.
    const mask = paint(160, 30, (x, y) => x >= 10 && x < 150 && y === 10 + Math.floor(x / 20))
    const plain = traceBinary(mask, 160, 30, { minIoU: 0 })[0]!
    expect(iou(rasterizePolygon(plain, 160, 30), mask)).toBeLessThan(0.7)
    const kept = traceBinary(mask, 160, 30)[0]!
    expect(isSimple(kept)).toBe(true)
    expect(iou(rasterizePolygon(kept, 160, 30), mask)).toBeGreaterThanOrEqual(0.9)
    expect(kept.length).toBeLessThanOrEqual(traceBinary(mask, 160, 30, { tolerance: 0 })[0]!.length)
    // A straight 1 px line is a thin hexagon whose simplification still covers it.
    const line = paint(120, 20, (x, y) => y === 10 && x >= 10 && x < 110)
    const hex = traceBinary(line, 120, 20, { minIoU: 0 })[0]!
    expect(iou(rasterizePolygon(hex, 120, 20), line)).toBe(1)
  })

  it('thin diagonal cracks and few-pixel blobs stay simple and keep IoU >= 0.9 by default', () => {
    const w2 = 160
    const h2 = 120
    const cases = [
      paint(w2, h2, (x, y) => x === y && x >= 5 && x < 110),
      path(w2, h2, Array.from({ length: 146 }, (_, k) => [5 + k, Math.round(60 + 30 * Math.sin((5 + k) / 15))] as const)),
      paint(w2, h2, (x, y) => Math.abs(2 * x - y - 20) <= 1 && y < 110),
      paint(w2, h2, (x, y) => (x - 20) ** 2 + (y - 20) ** 2 <= 4),
      paint(w2, h2, (x, y) => (x - 80) ** 2 + (y - 60) ** 2 <= 9)
    ]
    for (const mask of cases) {
      const polys = traceBinary(mask, w2, h2)
      expect(polys).toHaveLength(1)
      expect(isSimple(polys[0]!)).toBe(true)
      expect(iou(rasterizePolygon(polys[0]!, w2, h2), mask)).toBeGreaterThanOrEqual(0.9)
    }
  })

  it('simplified rings on random masks are always simple and meet the fidelity floor', () => {
    const rand = rng(2024)
    let checked = 0
    for (let trial = 0; trial < 30; trial++) {
      const w2 = 20 + Math.floor(rand() * 40)
      const h2 = 20 + Math.floor(rand() * 40)
      // Smooth-ish blobs: threshold a sum of random bumps.
      const bumps = Array.from({ length: 6 }, () => [rand() * w2, rand() * h2, 3 + rand() * 8] as const)
      const mask = paint(w2, h2, (x, y) => bumps.some(([cx, cy, r]) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r))
      const comps = filledComponents(mask, w2, h2, 1)
      const polys = traceBinary(mask, w2, h2)
      expect(polys).toHaveLength(comps.length)
      polys.forEach((poly, k) => {
        expect(isSimple(poly)).toBe(true)
        expect(iou(rasterizePolygon(poly, w2, h2), comps[k]!)).toBeGreaterThanOrEqual(0.9)
        checked++
      })
    }
    expect(checked).toBeGreaterThan(30)
  })
})

describe('traceMask options and input checks', () => {
  it('minArea drops small components', () => {
    const { mask, w, h } = maskFrom(['11..1', '11...', '.....', '..111'])
    expect(traceMask(mask, w, h, { tolerance: 0 }).get(1)).toHaveLength(3)
    expect(traceMask(mask, w, h, { tolerance: 0, minArea: 3 }).get(1)).toHaveLength(2)
    expect(traceMask(mask, w, h, { tolerance: 0, minArea: 4 }).get(1)).toHaveLength(1)
    expect(traceMask(mask, w, h, { minArea: 5 }).size).toBe(0)
  })

  it('traceBinary treats every non-zero value as foreground, merging classes', () => {
    const { mask, w, h } = maskFrom(['12.', '21.', '...'])
    expect(traceBinary(mask, w, h, { tolerance: 0 })).toEqual([[0, 0, 2, 0, 2, 2, 0, 2]])
    expect(traceBinary(new Uint8Array(9), 3, 3)).toEqual([])
    expect(mask[1]).toBe(2) // input untouched
  })

  it('rejects inconsistent sizes and bad options with clear errors', () => {
    expect(() => traceMask(new Uint8Array(5), 2, 2)).toThrow(/mask has 5 values, expected 2x2 = 4/)
    expect(() => traceMask(new Uint8Array(4), 2.5, 2)).toThrow(/non-negative integers/)
    expect(() => traceMask(new Uint8Array(4), 2, 2, { tolerance: -1 })).toThrow(/tolerance/)
    expect(() => traceMask(new Uint8Array(4), 2, 2, { tolerance: NaN })).toThrow(/tolerance/)
    expect(() => traceMask(new Uint8Array(4), 2, 2, { minIoU: 2 })).toThrow(/minIoU/)
    expect(traceMask(new Uint8Array(0), 0, 0).size).toBe(0)
  })

  it('traces a 2560x1440 mask with large discs and a long crack, exactly and simplified', () => {
    const w = 2560
    const h = 1440
    const mask = new Uint8Array(w * h)
    const disc = (cx: number, cy: number, r: number, v: number): void => {
      for (let y = Math.max(0, cy - r); y <= Math.min(h - 1, cy + r); y++) {
        for (let x = Math.max(0, cx - r); x <= Math.min(w - 1, cx + r); x++) {
          if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask[y * w + x] = v
        }
      }
    }
    disc(500, 500, 300, 1)
    disc(1500, 700, 500, 2)
    disc(2400, 1300, 300, 1) // clipped by the frame
    for (let x = 100; x < 1300; x++) mask[Math.round(1300 - x * 0.7) * w + x] = 3
    const exact = traceMask(mask, w, h, { tolerance: 0 })
    expect([...exact.keys()]).toEqual([1, 2, 3])
    expect(exact.get(1)).toHaveLength(2)
    expect(exact.get(3)).toHaveLength(1)
    const back = new Uint8Array(w * h)
    for (const [v, polys] of exact) for (const p of polys) rasterizeInto(back, w, h, p, v)
    expect(back.every((v, k) => v === mask[k])).toBe(true)

    const simple = traceMask(mask, w, h)
    const back2 = new Uint8Array(w * h)
    let vertices = 0
    for (const [v, polys] of simple) {
      for (const p of polys) {
        expect(isSimple(p)).toBe(true)
        rasterizeInto(back2, w, h, p, v)
        vertices += p.length / 2
      }
    }
    expect(iou(back2, mask)).toBeGreaterThan(0.98)
    let exactVertices = 0
    for (const polys of exact.values()) for (const p of polys) exactVertices += p.length / 2
    expect(vertices).toBeLessThan(exactVertices / 2)
  })
})

describe('magnetic-tile masks (real data)', () => {
  it('trace (tolerance 1) then rasterise back: median IoU >= 0.95; exact contours lose only hole pixels', async () => {
    const files = readdirSync(MASK_DIR)
      .filter((f) => f.endsWith('.png'))
      .sort()
    expect(files.length).toBeGreaterThan(200)
    const fidelity: number[] = []
    const plain: number[] = []
    let empty = 0
    let vertices = 0
    let plainVertices = 0
    let exactVertices = 0
    for (const file of files) {
      const { data, info } = await sharp(join(MASK_DIR, file)).extractChannel(0).raw().toBuffer({ resolveWithObject: true })
      const mask = new Uint8Array(data.buffer, data.byteOffset, data.length)
      const { width: w, height: h } = info
      if (!mask.some((v) => v !== 0)) {
        empty++
        continue
      }
      const score = (polys: Map<number, FlatPolygon[]>): [number, number] => {
        const back = new Uint8Array(w * h)
        let n = 0
        for (const [v, list] of polys) {
          for (const p of list) {
            rasterizeInto(back, w, h, p, v)
            n += p.length / 2
          }
        }
        let inter = 0
        let union = 0
        for (let k = 0; k < mask.length; k++) {
          if (mask[k] && back[k] === mask[k]) inter++
          if (mask[k] || back[k]) union++
        }
        return [inter / union, n]
      }
      const [a, na] = score(traceMask(mask, w, h, { tolerance: 1 }))
      const [b, nb] = score(traceMask(mask, w, h, { tolerance: 1, minIoU: 0 }))
      fidelity.push(a)
      plain.push(b)
      vertices += na
      plainVertices += nb

      // Exact contours reproduce every component with holes filled.
      const exact = traceMask(mask, w, h, { tolerance: 0 })
      for (const [v, list] of exact) {
        const comps = filledComponents(mask, w, h, v)
        expect(list).toHaveLength(comps.length)
        list.forEach((p, k) => {
          exactVertices += p.length / 2
          expect(rasterizePolygon(p, w, h).every((px, m) => px === comps[k]![m])).toBe(true)
        })
      }
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((p, q) => p - q)
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
    }
    const report = {
      masks: fidelity.length,
      empty,
      default: { median: median(fidelity), min: Math.min(...fidelity), vertices },
      plainRdp: { median: median(plain), min: Math.min(...plain), vertices: plainVertices },
      exactVertices
    }
    console.log(`magnetic-tile trace IoU: ${JSON.stringify(report)}`)
    expect(empty).toBeLessThan(files.length / 10)
    expect(report.default.median).toBeGreaterThanOrEqual(0.95)
    expect(report.plainRdp.median).toBeGreaterThanOrEqual(0.95)
    expect(vertices).toBeLessThan(exactVertices / 2)
  })
})
