import { createRng, type Rng } from '../../../shared/random'
import type { View } from '../../../shared/domain'
import { extent } from '../../../shared/arrays'

/**
 * Synthetic frames of a bright steel strip running down a darker machine bed,
 * with ground truth. The bed is the `lathe` region; folds are thin diagonal
 * ridges across the strip; edge cracks are short notches cut into the strip's
 * edge. Each camera view sees the strip at a different place.
 */

export interface GtShape {
  className: 'fold' | 'edge_crack' | 'lathe'
  /** Polygon in image pixels (corner origin, see shared/geometry/raster.ts). */
  points: number[]
}

export interface DemoFrame {
  view: View
  index: number
  width: number
  height: number
  rgb: Uint8Array
  shapes: GtShape[]
}

/** Strip edges per view, as fractions of the frame width. */
const STRIP: Record<View, [number, number]> = {
  D01: [0.22, 1.08],
  D02: [0.08, 0.86],
  D03: [0.14, 0.92],
  D04: [-0.08, 0.78]
}

export interface FrameOptions {
  width: number
  height: number
  seed: number
  folds: number
  cracks: number
}

export function makeFrame(view: View, index: number, opts: FrameOptions): DemoFrame {
  const { width: W, height: H } = opts
  const rng = createRng(opts.seed)
  const [l, r] = STRIP[view]
  const wobble = (y: number, phase: number): number => Math.sin(y / (H / 3) + phase) * W * 0.006
  const phaseL = rng.range(0, 6.28)
  const phaseR = rng.range(0, 6.28)
  const leftEdge = (y: number): number => l * W + wobble(y, phaseL)
  const rightEdge = (y: number): number => r * W + wobble(y, phaseR)

  const shapes: GtShape[] = []
  // The bed, traced along the wobbling strip edges every 64 rows.
  const rows: number[] = []
  for (let y = 0; y < H; y += 64) rows.push(y)
  rows.push(H)
  if (l > 0) {
    const pts = [0, 0]
    for (const y of rows) pts.push(round1(Math.min(W, leftEdge(y))), y)
    pts.push(0, H)
    shapes.push({ className: 'lathe', points: pts })
  }
  if (r < 1) {
    const pts: number[] = []
    for (const y of rows) pts.push(round1(Math.max(0, rightEdge(y))), y)
    pts.push(W, H, W, 0)
    shapes.push({ className: 'lathe', points: pts })
  }
  for (let k = 0; k < opts.folds; k++) shapes.push({ className: 'fold', points: foldPolygon(rng, W, H, leftEdge, rightEdge) })
  for (let k = 0; k < opts.cracks; k++) {
    const onLeft = l > 0 && (r >= 1 || rng.next() < 0.5)
    shapes.push({ className: 'edge_crack', points: crackPolygon(rng, H, onLeft, leftEdge, rightEdge) })
  }

  const rgb = paint(W, H, rng, leftEdge, rightEdge, shapes)
  return { view, index, width: W, height: H, rgb, shapes }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10
}

function foldPolygon(rng: Rng, W: number, H: number, le: (y: number) => number, re: (y: number) => number): number[] {
  const cy = rng.range(0.15, 0.85) * H
  const x0 = Math.max(0, le(cy)) + W * 0.05
  const x1 = Math.min(W, re(cy)) - W * 0.05
  const cx = rng.range(x0, Math.max(x0 + 1, x1))
  const len = rng.range(0.12, 0.3) * W
  const angle = (rng.range(25, 60) * Math.PI) / 180 * (rng.next() < 0.5 ? 1 : -1)
  const half = rng.range(2.5, 6) // ridge half-width in px
  const dx = (Math.cos(angle) * len) / 2
  const dy = (Math.sin(angle) * len) / 2
  const nx = -Math.sin(angle) * half
  const ny = Math.cos(angle) * half
  return [cx - dx + nx, cy - dy + ny, cx + dx + nx, cy + dy + ny, cx + dx - nx, cy + dy - ny, cx - dx - nx, cy - dy - ny].map(round1)
}

function crackPolygon(rng: Rng, H: number, onLeft: boolean, le: (y: number) => number, re: (y: number) => number): number[] {
  const y = rng.range(0.1, 0.9) * H
  const halfOpen = rng.range(5, 12)
  const depth = rng.range(20, 60) * (onLeft ? 1 : -1)
  const edgeTop = onLeft ? le(y - halfOpen) : re(y - halfOpen)
  const edgeBottom = onLeft ? le(y + halfOpen) : re(y + halfOpen)
  const tipX = (onLeft ? le(y) : re(y)) + depth
  // Starts a little into the bed so the notch meets the strip edge without a sliver.
  const out = onLeft ? -3 : 3
  return [edgeTop + out, y - halfOpen, tipX, y + rng.range(-3, 3), edgeBottom + out, y + halfOpen].map(round1)
}

function paint(
  W: number,
  H: number,
  rng: Rng,
  le: (y: number) => number,
  re: (y: number) => number,
  shapes: GtShape[]
): Uint8Array {
  const rgb = new Uint8Array(W * H * 3)
  const stripBase = rng.range(175, 200)
  const rollPhase = rng.range(0, 6.28)
  for (let y = 0; y < H; y++) {
    const xl = le(y)
    const xr = re(y)
    const roll = Math.sin(y / 9 + rollPhase) * 3 + Math.sin(y / 71) * 4
    const boltRow = y % 180 < 14
    for (let x = 0; x < W; x++) {
      const n = rng.next() * 10 - 5
      let v: number
      if (x >= xl && x < xr) {
        const shade = Math.min(1, Math.min(x - xl, xr - x) / 40)
        v = stripBase * (0.85 + 0.15 * shade) + roll + n
      } else {
        v = 58 + (boltRow && x % 220 < 30 ? 40 : 0) + Math.sin(x / 23) * 6 + n * 1.6
      }
      const o = (y * W + x) * 3
      rgb[o] = clamp(v)
      rgb[o + 1] = clamp(v + 2)
      rgb[o + 2] = clamp(v + 6)
    }
  }
  for (const s of shapes) {
    if (s.className === 'fold') shadeFold(rgb, W, H, s.points)
    if (s.className === 'edge_crack') darken(rgb, W, H, s.points)
  }
  return rgb
}

/** A ridge: bright on one side of its spine, dark on the other. */
function shadeFold(rgb: Uint8Array, W: number, H: number, p: number[]): void {
  const [ax, ay, bx, by, , , dx, dy] = p as [number, number, number, number, number, number, number, number]
  const ux = bx - ax
  const uy = by - ay
  const len2 = ux * ux + uy * uy
  const wx = dx - ax
  const wy = dy - ay
  const wid2 = wx * wx + wy * wy
  const minX = Math.max(0, Math.floor(Math.min(p[0]!, p[2]!, p[4]!, p[6]!)))
  const maxX = Math.min(W - 1, Math.ceil(Math.max(p[0]!, p[2]!, p[4]!, p[6]!)))
  const minY = Math.max(0, Math.floor(Math.min(p[1]!, p[3]!, p[5]!, p[7]!)))
  const maxY = Math.min(H - 1, Math.ceil(Math.max(p[1]!, p[3]!, p[5]!, p[7]!)))
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5 - ax
      const py = y + 0.5 - ay
      const t = (px * ux + py * uy) / len2
      const s = (px * wx + py * wy) / wid2
      if (t < 0 || t > 1 || s < 0 || s > 1) continue
      const delta = (s < 0.5 ? 38 : -42) * Math.sin(Math.PI * t) ** 0.3
      const o = (y * W + x) * 3
      for (let c = 0; c < 3; c++) rgb[o + c] = clamp(rgb[o + c]! + delta)
    }
  }
}

function darken(rgb: Uint8Array, W: number, H: number, p: number[]): void {
  const xs = extent([p[0]!, p[2]!, p[4]!])!
  const ys = extent([p[1]!, p[3]!, p[5]!])!
  const minX = Math.max(0, Math.floor(xs.min))
  const maxX = Math.min(W - 1, Math.ceil(xs.max))
  const minY = Math.max(0, Math.floor(ys.min))
  const maxY = Math.min(H - 1, Math.ceil(ys.max))
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      if (!inTriangle(x + 0.5, y + 0.5, p)) continue
      const o = (y * W + x) * 3
      for (let c = 0; c < 3; c++) rgb[o + c] = clamp(rgb[o + c]! * 0.35 + 12)
    }
  }
}

function inTriangle(x: number, y: number, p: number[]): boolean {
  const [ax, ay, bx, by, cx, cy] = p as [number, number, number, number, number, number]
  const d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by)
  const d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy)
  const d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay)
  const neg = d1 < 0 || d2 < 0 || d3 < 0
  const pos = d1 > 0 || d2 > 0 || d3 > 0
  return !(neg && pos)
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v)
}
