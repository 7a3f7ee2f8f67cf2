/**
 * Mask -> polygons: turns model output and imported PNG class masks into the
 * polygons the editor stores.
 *
 * Each 8-connected component's outer boundary is followed along pixel edges
 * (the cracks between pixels). The ring keeps the pixel corners where two
 * runs of 2+ pixels meet and cuts the corners next to one-pixel steps through
 * the midpoints of the two unit edges (see contourRing), so staircases become
 * straight lines. Either way raster.ts's "centre inside or on the boundary"
 * rule gives back exactly the component's pixels (tolerance 0).
 *
 * Holes are not traced: labels are single rings, so a component with holes
 * comes back filled (the hole pixels are lost). A component lying inside
 * another one's hole is its own polygon, listed after the one around it.
 *
 * Where an 8-connected component touches itself only at a corner (two pixels
 * diagonal, the other two background), the boundary passes that corner twice.
 * If one of the runs there is a single pixel the corner is cut anyway, which
 * leaves a neck ~0.7 px wide; otherwise both passes are moved EPS_PINCH into
 * their own background pixel, leaving a neck 2*EPS_PINCH wide. The ring stays
 * simple and no pixel centre changes side.
 *
 * Simplified rings are checked: if RDP makes a ring self-intersect or (with
 * minIoU) lose too many pixels, the tolerance is halved until it does not,
 * ending at the exact ring.
 */
import { rasterizeInto, type FlatPolygon } from './raster'
import { simplifyPolygon } from './simplify'
import { isSimple } from './polygon'

export interface TraceOptions {
  /**
   * RDP tolerance in pixels (default 1). 0 keeps the exact traced contour
   * (vertices only where it turns), which rasterises to the component.
   */
  tolerance?: number
  /** Components with fewer pixels than this are dropped (default 0: keep all). */
  minArea?: number
  /**
   * Fidelity floor (default 0.9): if the simplified ring rasterises to pixels
   * with IoU below this against the traced component (holes filled), or is not
   * simple, the tolerance is halved and the component simplified again, ending
   * at the exact contour. Keeps thin cracks and few-pixel blobs from collapsing
   * under a 1 px tolerance. 0 turns the check off (self-intersection is still
   * checked).
   */
  minIoU?: number
}

const EPS_PINCH = 1 / 16
/** Below this tolerance the exact contour is used instead. */
const MIN_TOLERANCE = 0.2

// Directions in image coordinates (y down), in clockwise order: E, S, W, N.
const DX = [1, 0, -1, 0] as const
const DY = [0, 1, 0, -1] as const
// Pixel ahead-left / ahead-right of a corner vertex (x, y) for each direction,
// as offsets from (x, y).
const LX = [0, 0, -1, -1] as const
const LY = [-1, 0, 0, -1] as const
const RX = [0, -1, -1, 0] as const
const RY = [0, 0, -1, -1] as const

/**
 * Polygons of every non-zero value in a class-index mask (row-major,
 * width*height). Keys ascend; each value's polygons come in raster order of
 * their components' topmost-leftmost pixel. Rings run clockwise on screen
 * (positive shoelace area in image coordinates).
 */
export function traceMask(
  mask: Uint8Array,
  width: number,
  height: number,
  opts: TraceOptions = {}
): Map<number, FlatPolygon[]> {
  checkInput(mask, width, height)
  const tolerance = opts.tolerance ?? 1
  const minArea = opts.minArea ?? 0
  const minIoU = opts.minIoU ?? 0.9
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw new RangeError(`traceMask: tolerance must be a finite number >= 0, got ${tolerance}`)
  }
  if (!(minArea >= 0)) throw new RangeError(`traceMask: minArea must be >= 0, got ${minArea}`)
  if (!(minIoU >= 0 && minIoU <= 1)) throw new RangeError(`traceMask: minIoU must be in [0, 1], got ${minIoU}`)

  const byValue = new Map<number, FlatPolygon[]>()
  const visited = new Uint8Array(width * height)
  let stack: Int32Array | null = null
  for (let start = 0; start < mask.length; start++) {
    const v = mask[start]!
    if (v === 0 || visited[start]) continue
    stack ??= new Int32Array(mask.length)
    const comp = floodFill(mask, width, height, start, visited, stack)
    if (comp.area < minArea) continue
    const x0 = start % width
    const y0 = (start - x0) / width
    const ring = contourRing(traceCorners(mask, width, height, x0, y0, v))
    const poly = tolerance > 0 ? fit(ring, tolerance, minIoU, comp, width, height) : ring
    let list = byValue.get(v)
    if (!list) byValue.set(v, (list = []))
    list.push(poly)
  }
  return new Map([...byValue.entries()].sort((p, q) => p[0] - q[0]))
}

/** Polygons of one binary mask (any non-zero pixel is foreground). */
export function traceBinary(mask: Uint8Array, width: number, height: number, opts: TraceOptions = {}): FlatPolygon[] {
  checkInput(mask, width, height)
  let binary = mask
  for (let k = 0; k < mask.length; k++) {
    if (mask[k]! > 1) {
      binary = new Uint8Array(mask.length)
      for (let m = 0; m < mask.length; m++) binary[m] = mask[m] ? 1 : 0
      break
    }
  }
  return traceMask(binary, width, height, opts).get(1) ?? []
}

function checkInput(mask: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`trace: width and height must be non-negative integers, got ${width}x${height}`)
  }
  if (mask.length !== width * height) {
    throw new RangeError(`trace: mask has ${mask.length} values, expected ${width}x${height} = ${width * height}`)
  }
}

interface Component {
  area: number
  minX: number
  minY: number
  maxX: number
  maxY: number
}

/** Marks the 8-connected component of `start` (same value) as visited. */
function floodFill(
  mask: Uint8Array,
  width: number,
  height: number,
  start: number,
  visited: Uint8Array,
  stack: Int32Array
): Component {
  const v = mask[start]!
  const comp: Component = { area: 0, minX: width, minY: height, maxX: -1, maxY: -1 }
  let top = 0
  stack[top++] = start
  visited[start] = 1
  while (top > 0) {
    const p = stack[--top]!
    const x = p % width
    const y = (p - x) / width
    comp.area++
    if (x < comp.minX) comp.minX = x
    if (x > comp.maxX) comp.maxX = x
    if (y < comp.minY) comp.minY = y
    if (y > comp.maxY) comp.maxY = y
    const ya = y > 0 ? y - 1 : y
    const yb = y < height - 1 ? y + 1 : y
    const xa = x > 0 ? x - 1 : x
    const xb = x < width - 1 ? x + 1 : x
    for (let ny = ya; ny <= yb; ny++) {
      for (let nx = xa; nx <= xb; nx++) {
        const q = ny * width + nx
        if (visited[q] || mask[q] !== v) continue
        visited[q] = 1
        stack[top++] = q
      }
    }
  }
  return comp
}

/**
 * Follows the outer boundary clockwise (foreground on the right) from the
 * top-left corner of the component's topmost-leftmost pixel (x0, y0). At each
 * corner: turn left if the pixel ahead-left is foreground (8-connectivity
 * keeps diagonal neighbours together), else go straight if the pixel
 * ahead-right is foreground, else turn right. Returns the corners where the
 * boundary turns, as [x, y, pinch] triples; pinch marks a corner the boundary
 * passes twice (the component touches itself there).
 */
function traceCorners(mask: Uint8Array, width: number, height: number, x0: number, y0: number, v: number): number[] {
  const fg = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] === v
  const turns: number[] = [x0, y0, 0]
  let x = x0
  let y = y0
  let d = 0
  // Each pixel edge is walked at most once.
  const maxSteps = 4 * width * height + 4
  for (let step = 0; step < maxSteps; step++) {
    x += DX[d]!
    y += DY[d]!
    if (x === x0 && y === y0) return turns
    const left = fg(x + LX[d]!, y + LY[d]!)
    const right = fg(x + RX[d]!, y + RY[d]!)
    if (left) {
      turns.push(x, y, right ? 0 : 1)
      d = (d + 3) % 4
    } else if (!right) {
      turns.push(x, y, 0)
      d = (d + 1) % 4
    }
  }
  throw new Error('traceMask: boundary did not close (internal error)')
}

/**
 * The ring through the traced corners, except that a corner next to a
 * one-pixel step is replaced by the midpoints of the two unit edges meeting
 * there. Cutting such a corner moves the boundary only within 0.5 (L1) of
 * the corner, where no pixel centre lies, so the ring still rasterises to the
 * exact component; but staircases (diagonal edges, thin diagonal cracks)
 * become straight lines, which RDP then keeps close to the pixels instead
 * of chording between outer corners. Corners between longer runs (rectangle
 * corners) stay.
 */
function contourRing(turns: number[]): number[] {
  const m = turns.length / 3
  const ring: number[] = []
  for (let k = 0; k < m; k++) {
    const p = (k + m - 1) % m
    const q = (k + 1) % m
    const x = turns[3 * k]!
    const y = turns[3 * k + 1]!
    const inX = x - turns[3 * p]!
    const inY = y - turns[3 * p + 1]!
    const outX = turns[3 * q]! - x
    const outY = turns[3 * q + 1]! - y
    const lenIn = Math.abs(inX) + Math.abs(inY)
    const lenOut = Math.abs(outX) + Math.abs(outY)
    const dix = Math.sign(inX)
    const diy = Math.sign(inY)
    if (lenIn >= 2 && lenOut >= 2) {
      if (turns[3 * k + 2]) {
        // A pinch between long runs: nudge into the background pixel
        // behind-left of the corner, so the two passes do not touch.
        ring.push(x + EPS_PINCH * (diy - dix), y + EPS_PINCH * (-dix - diy))
      } else {
        ring.push(x, y)
      }
    } else {
      ring.push(x - dix / 2, y - diy / 2, x + Math.sign(outX) / 2, y + Math.sign(outY) / 2)
    }
  }
  return simplifyPolygon(ring, 0)
}

/**
 * Simplifies with halving tolerance until the ring is simple and, when asked,
 * rasterises close enough to the traced component; else the exact contour.
 */
function fit(ring: number[], tolerance: number, minIoU: number, comp: Component, width: number, height: number): number[] {
  // A rectangle cannot lose a vertex without losing pixels.
  if (ring.length <= 8) return ring
  let reference: Uint8Array | null = null
  let win: Box | null = null
  for (let t = tolerance; t === tolerance || t >= MIN_TOLERANCE; t /= 2) {
    const s = simplifyPolygon(ring, t)
    if (s.length === ring.length) return ring
    if (s.length < 6 || !isSimple(s)) continue
    if (minIoU <= 0) return s
    // The simplified ring stays within t of the contour, so a margin of t covers it.
    if (!win || reference === null) {
      win = windowAround(comp, Math.ceil(tolerance) + 1, width, height)
      reference = rasterLocal(ring, win)
    }
    if (iou(rasterLocal(s, win), reference) >= minIoU) return s
  }
  return ring
}

interface Box {
  x: number
  y: number
  w: number
  h: number
}

function windowAround(comp: Component, margin: number, width: number, height: number): Box {
  const x = Math.max(0, comp.minX - margin)
  const y = Math.max(0, comp.minY - margin)
  const x1 = Math.min(width, comp.maxX + 1 + margin)
  const y1 = Math.min(height, comp.maxY + 1 + margin)
  return { x, y, w: x1 - x, h: y1 - y }
}

function rasterLocal(poly: number[], win: Box): Uint8Array {
  const shifted = new Array<number>(poly.length)
  for (let k = 0; k < poly.length; k += 2) {
    shifted[k] = poly[k]! - win.x
    shifted[k + 1] = poly[k + 1]! - win.y
  }
  const out = new Uint8Array(win.w * win.h)
  rasterizeInto(out, win.w, win.h, shifted, 1)
  return out
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0
  let union = 0
  for (let k = 0; k < a.length; k++) {
    const p = a[k]!
    const q = b[k]!
    inter += p & q
    union += p | q
  }
  return union === 0 ? 1 : inter / union
}
