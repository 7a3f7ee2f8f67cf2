/**
 * Reads labelme JSON. labelme (through PIL) puts pixel centres on integer
 * coordinates; ours sit at +0.5 (see shared/geometry/raster.ts), so points
 * shift by half a pixel on the way in.
 */

export const LABELME_OFFSET = 0.5

export interface LabelmeShape {
  label: string
  points: number[]
}

export interface LabelmeParse {
  shapes: LabelmeShape[]
  /** Shapes skipped, with the reason. */
  skipped: string[]
  imageWidth?: number
  imageHeight?: number
}

const CIRCLE_VERTICES = 32

export function parseLabelme(text: string): LabelmeParse {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new Error(`malformed JSON: ${(err as Error).message}`)
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { shapes?: unknown }).shapes)) {
    throw new Error('not a labelme file (no "shapes" array)')
  }
  const d = doc as { shapes: unknown[]; imageWidth?: unknown; imageHeight?: unknown }
  const out: LabelmeParse = { shapes: [], skipped: [] }
  if (typeof d.imageWidth === 'number') out.imageWidth = d.imageWidth
  if (typeof d.imageHeight === 'number') out.imageHeight = d.imageHeight
  d.shapes.forEach((raw, index) => {
    const where = `shape ${index + 1}`
    if (typeof raw !== 'object' || raw === null) {
      out.skipped.push(`${where}: not an object`)
      return
    }
    const s = raw as { label?: unknown; points?: unknown; shape_type?: unknown }
    if (typeof s.label !== 'string' || s.label.trim() === '') {
      out.skipped.push(`${where}: no label`)
      return
    }
    const label = s.label.trim()
    if (!Array.isArray(s.points) || !s.points.every((p) => Array.isArray(p) && p.length >= 2)) {
      out.skipped.push(`${where} (${label}): "points" is not a list of [x, y]`)
      return
    }
    const given = s.points as unknown[][]
    // null, strings and NaN are all refused: Number(null) would quietly be 0.
    if (given.some((p) => typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) {
      out.skipped.push(`${where} (${label}): a point is not a finite number`)
      return
    }
    const pts = given.map((p) => [p[0], p[1]] as [number, number])
    const type = typeof s.shape_type === 'string' ? s.shape_type : 'polygon'
    let flat: number[]
    if (type === 'polygon') {
      flat = pts.flat()
    } else if (type === 'rectangle' && pts.length === 2) {
      const [[x1, y1], [x2, y2]] = pts as [[number, number], [number, number]]
      flat = [x1, y1, x2, y1, x2, y2, x1, y2]
    } else if (type === 'circle' && pts.length === 2) {
      const [[cx, cy], [px, py]] = pts as [[number, number], [number, number]]
      const r = Math.hypot(px - cx, py - cy)
      flat = []
      for (let k = 0; k < CIRCLE_VERTICES; k++) {
        const a = (2 * Math.PI * k) / CIRCLE_VERTICES
        flat.push(cx + r * Math.cos(a), cy + r * Math.sin(a))
      }
    } else {
      out.skipped.push(`${where} (${label}): shape type "${type}" is not an area (only polygon, rectangle and circle are imported)`)
      return
    }
    if (flat.length < 6) {
      out.skipped.push(`${where} (${label}): fewer than 3 points`)
      return
    }
    out.shapes.push({ label, points: flat.map((v) => v + LABELME_OFFSET) })
  })
  return out
}
