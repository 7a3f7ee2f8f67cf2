/**
 * Pixel-exact tracing of a class-index mask, holes included. A label is one
 * ring, so a region with a hole (background, or another class, inside it)
 * cannot be one polygon without covering the hole. Filling it (what the
 * tracer does) changes pixels; here the region is cut instead, along whole
 * pixel columns, into pieces without holes, each traced exactly. Together
 * they rasterise to precisely the region's pixels, so every value's polygons
 * cover exactly its own pixels and no draw order can change the result.
 *
 * Why columns: a hole opens as soon as a cut runs through it or along its
 * left or right side, and a piece between two cuts has no hole the region
 * did not have. So one set of cuts that meets every hole's column span
 * (chosen greedily, the fewest) leaves every piece hole-free in one pass.
 */
import { traceBinary } from '../../../shared/geometry/trace'

/** Polygons of every non-zero value, exactly its pixels; keys ascend. */
export function traceMaskExact(mask: Uint8Array, width: number, height: number): Map<number, number[][]> {
  const byValue = new Map<number, number[][]>()
  const seen = new Uint8Array(width * height)
  const stack = new Int32Array(width * height)
  for (let start = 0; start < mask.length; start++) {
    const v = mask[start]!
    if (v === 0 || seen[start]) continue
    const comp = component(mask, width, height, start, seen, stack)
    let list = byValue.get(v)
    if (!list) byValue.set(v, (list = []))
    for (const p of tracePieces(comp)) list.push(p)
  }
  return new Map([...byValue.entries()].sort((a, b) => a[0] - b[0]))
}

/** Polygons of a binary mask (any non-zero pixel), exactly its pixels. */
export function traceBinaryExact(mask: Uint8Array, width: number, height: number): number[][] {
  const binary = new Uint8Array(mask.length)
  for (let i = 0; i < mask.length; i++) binary[i] = mask[i] ? 1 : 0
  return traceMaskExact(binary, width, height).get(1) ?? []
}

interface Region {
  /** Window origin in the frame, and size: the component's box plus a one-pixel margin. */
  x0: number
  y0: number
  w: number
  h: number
  /** 1 where the component is, in the window. */
  inside: Uint8Array
}

/** The 8-connected component of `start` (same value), in a window with a background margin. */
function component(mask: Uint8Array, width: number, height: number, start: number, seen: Uint8Array, stack: Int32Array): Region {
  const v = mask[start]!
  const pixels: number[] = []
  let minX = width
  let minY = height
  let maxX = -1
  let maxY = -1
  let top = 0
  stack[top++] = start
  seen[start] = 1
  while (top > 0) {
    const p = stack[--top]!
    pixels.push(p)
    const x = p % width
    const y = (p - x) / width
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
    for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
      for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
        const q = ny * width + nx
        if (seen[q] || mask[q] !== v) continue
        seen[q] = 1
        stack[top++] = q
      }
    }
  }
  const x0 = minX - 1
  const y0 = minY - 1
  const w = maxX - minX + 3
  const h = maxY - minY + 3
  const inside = new Uint8Array(w * h)
  for (const p of pixels) {
    const x = p % width
    inside[((p - x) / width - y0) * w + (x - x0)] = 1
  }
  return { x0, y0, w, h, inside }
}

/** Column spans [minX, maxX] (window coordinates) of the region's holes: background 4-connected to nothing outside. */
function holeSpans(r: Region): [number, number][] {
  const { w, h, inside } = r
  // 0: not visited, 1: outside, 2: in a hole.
  const mark = new Uint8Array(w * h)
  const stack = new Int32Array(w * h)
  const fill = (start: number, tag: number): [number, number] => {
    let top = 0
    let lo = w
    let hi = -1
    stack[top++] = start
    mark[start] = tag
    while (top > 0) {
      const p = stack[--top]!
      const x = p % w
      if (x < lo) lo = x
      if (x > hi) hi = x
      const y = (p - x) / w
      const next = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1]
      for (const q of next) {
        if (q < 0 || mark[q] || inside[q]) continue
        mark[q] = tag
        stack[top++] = q
      }
    }
    return [lo, hi]
  }
  // The margin is background, so one fill from a corner reaches everything outside.
  fill(0, 1)
  const spans: [number, number][] = []
  for (let p = 0; p < w * h; p++) if (!inside[p] && !mark[p]) spans.push(fill(p, 2))
  return spans
}

/**
 * Cut positions (a cut at c separates columns < c from columns >= c): the
 * fewest that meet every hole, a hole [a, b] being opened by any c in
 * [a, b + 1]. Greedy by right end, the classic interval stabbing.
 */
function cutsFor(spans: [number, number][]): number[] {
  const cuts: number[] = []
  let last = -Infinity
  for (const [a, b] of [...spans].sort((p, q) => p[1] - q[1])) {
    if (last >= a && last <= b + 1) continue
    last = b + 1
    cuts.push(last)
  }
  return cuts
}

function tracePieces(r: Region): number[][] {
  const spans = holeSpans(r)
  const shift = (poly: readonly number[], dx: number): number[] => poly.map((v, i) => v + (i % 2 === 0 ? dx : r.y0))
  if (spans.length === 0) return traceBinary(r.inside, r.w, r.h, { tolerance: 0 }).map((p) => shift(p, r.x0))
  const bounds = [0, ...cutsFor(spans), r.w]
  const out: number[][] = []
  for (let k = 0; k + 1 < bounds.length; k++) {
    const a = bounds[k]!
    const b = bounds[k + 1]!
    if (b <= a) continue
    // The strip, with one background column either side so no piece touches the strip's edge.
    const sw = b - a + 2
    const strip = new Uint8Array(sw * r.h)
    let any = false
    for (let y = 0; y < r.h; y++) {
      for (let x = a; x < b; x++) {
        if (!r.inside[y * r.w + x]) continue
        strip[y * sw + (x - a + 1)] = 1
        any = true
      }
    }
    if (!any) continue
    for (const p of traceBinary(strip, sw, r.h, { tolerance: 0 })) out.push(shift(p, r.x0 + a - 1))
  }
  return out
}
