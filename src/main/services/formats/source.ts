/**
 * A label source hands the import the labels of one image at a time, found
 * by the image's path relative to the import folder. PNG masks, labelme
 * JSON, COCO and MVTec are each one.
 */
import type { ImportIssue } from '../../../shared/contract'
import { clipToFrame, isSimple, isValidPolygon, polygonBBox } from '../../../shared/geometry/polygon'
import { rasterizeInto } from '../../../shared/geometry/raster'
import { traceBinary } from '../../../shared/geometry/trace'
import { fitPointBudget as fitToBudget, simplifiedNote, tooManyPointsNote } from '../../../shared/labelBudget'
import { LABEL_LIMITS } from '../../../shared/limits'
import type { ClassKind, Split, ViewOrUnassigned } from '../../../shared/domain'

export interface SourceLabel {
  /** The class name as the label file spells it (before the class mapping). */
  className: string
  /** Our coordinates: image pixels, origin at the top-left corner. */
  points: number[]
}

export interface SourceResult {
  /** The label file, as reported in the summary. */
  path: string
  /** Nothing of the file could be used (unreadable, wrong size, not where the layout wants it): not counted as read. */
  failed?: boolean
  labels: SourceLabel[]
  /** Reasons something of this file was skipped or changed. */
  issues: string[]
  /** The file says "nothing here" (an all-zero mask, a COCO image without annotations): normal when no other source adds labels. */
  empty?: boolean
  /** The file says the frame is known good, whatever labels it has (MVTec's good folders, a COCO status field). */
  normal?: boolean
  split?: Split
  view?: ViewOrUnassigned
}

export interface SourceScan {
  /** Label files that belong to one of the images. */
  files: number
  /** Label count per class name; undefined where only decoding would tell. */
  classes: Map<string, number | undefined>
  /** Label files (COCO: images) holding each class name, where the source counts them. */
  classFiles?: Map<string, number>
  issues: ImportIssue[]
}

export interface LabelSource {
  /** Folders holding labels rather than frames: the image walk skips them. */
  readonly skipDirs?: readonly string[]
  /** Problems found when the source was opened (reported once). */
  readonly openIssues?: readonly ImportIssue[]
  /** Called once with every image path of the import, before any labelsFor (a source can pair its entries with them). */
  prepare?(files: readonly string[]): void
  labelsFor(rel: string, frame: { width: number; height: number }): Promise<SourceResult | null>
  /** Entries that no imported image claimed, reported when the import ends. */
  unmatched?(): ImportIssue[]
  /** What the source holds for these images, without writing anything (for the preview and the class check). */
  scan(files: readonly string[]): Promise<SourceScan>
  /** Kinds the source declares for its class names (our own export's manifest.json), used when the import creates them. */
  readonly classKinds?: ReadonlyMap<string, ClassKind>
}

/**
 * Clips each label to the frame, reporting what was cut and dropping what
 * has nothing left inside.
 */
/** Why a label file's shapes were not imported: more than a frame can hold. */
export function tooManyShapes(n: number): string {
  return `${n.toLocaleString('en-US')} shapes for one image; a frame holds at most ${LABEL_LIMITS.labelsPerFrame.toLocaleString('en-US')} (what the editor can save), so the image was imported without them`
}

/**
 * Polygons over the vertex budget, simplified until they fit (the editor's
 * rule, src/shared/labelBudget.ts), so nothing is stored that labels.save
 * would refuse; each one is reported with its before and after.
 */
export function fitPointBudget(labels: SourceLabel[], issues: string[]): SourceLabel[] {
  const out: SourceLabel[] = []
  for (const l of labels) {
    const n = l.points.length / 2
    if (n <= LABEL_LIMITS.pointsPerPolygon) {
      out.push(l)
      continue
    }
    const points = fitToBudget(l.points)
    if (!points) {
      issues.push(`${l.className}: ${tooManyPointsNote(n)}; not imported`)
      continue
    }
    issues.push(`${l.className}: ${simplifiedNote(n, points.length / 2)}`)
    out.push({ ...l, points })
  }
  return out
}

/**
 * One frame's labels held to the label budget: null (and a reason) when
 * there are more than a frame may hold; otherwise the labels, with any
 * polygon over the vertex budget simplified (and said so).
 */
export function withinLabelBudget(labels: SourceLabel[], issues: string[]): SourceLabel[] | null {
  if (labels.length > LABEL_LIMITS.labelsPerFrame) {
    issues.push(tooManyShapes(labels.length))
    return null
  }
  return fitPointBudget(labels, issues)
}

export function clipLabels(labels: SourceLabel[], width: number, height: number, issues: string[]): SourceLabel[] {
  const out: SourceLabel[] = []
  for (const l of labels) {
    const clipped = clipToFrame(l.points, width, height)
    if (clipped.clipped) issues.push(`${l.className}: points outside the ${width}x${height} frame were clipped`)
    if (!isValidPolygon(clipped.polygon)) {
      issues.push(`${l.className}: ${clipped.clipped ? 'nothing left inside the frame' : 'fewer than 3 distinct points'}`)
      continue
    }
    if (isSimple(clipped.polygon)) {
      out.push({ className: l.className, points: clipped.polygon })
      continue
    }
    const repaired = untangle(clipped.polygon)
    issues.push(
      `${l.className}: the polygon crosses itself; imported as ${repaired.length} simple polygon${repaired.length === 1 ? '' : 's'} tracing the pixels it fills`
    )
    for (const points of repaired) out.push({ className: l.className, points })
  }
  return out
}

/**
 * A self-crossing polygon means the pixels the rasteriser fills for it; those
 * pixels, traced, give simple polygons the editor can save. Nothing is stored
 * crossed, so a later edit of the frame never trips over it.
 */
function untangle(poly: number[]): number[][] {
  const box = polygonBBox(poly)
  if (!box) return []
  const x0 = Math.floor(box.minX)
  const y0 = Math.floor(box.minY)
  const w = Math.ceil(box.maxX) - x0 + 1
  const h = Math.ceil(box.maxY) - y0 + 1
  const mask = new Uint8Array(w * h)
  rasterizeInto(mask, w, h, poly.map((v, i) => v - (i % 2 === 0 ? x0 : y0)))
  return traceBinary(mask, w, h).map((p) => p.map((v, i) => v + (i % 2 === 0 ? x0 : y0)))
}

/** Counts one file for each distinct name among `names`. */
export function addFileCounts(scan: SourceScan, names: Iterable<string>): void {
  const files = (scan.classFiles ??= new Map())
  for (const name of new Set(names)) files.set(name, (files.get(name) ?? 0) + 1)
}

export function addCount(map: Map<string, number | undefined>, name: string, n: number | undefined): void {
  if (!map.has(name)) {
    map.set(name, n)
    return
  }
  const prev = map.get(name)
  map.set(name, prev === undefined || n === undefined ? (prev ?? n) : prev + n)
}
