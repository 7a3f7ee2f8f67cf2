/**
 * Reads COCO instance segmentation: polygons, uncompressed RLE (a counts
 * array) and compressed RLE (pycocotools' counts string). COCO's pixel
 * coordinates share our corner origin, so polygons are taken as they are;
 * RLE is decoded to a mask and traced like a PNG mask.
 */
import { readFile } from 'node:fs/promises'
import { basename, posix } from 'node:path'
import { StudioError, type ImportIssue } from '../../../shared/contract'
import { traceBinary } from '../../../shared/geometry/trace'
import { traceBinaryExact } from './exactTrace'
import { SPLITS, UNASSIGNED_VIEW, VIEWS, type Split, type ViewOrUnassigned } from '../../../shared/domain'
import { decodeRle, type Rle } from './rle'
import { addCount, addFileCounts, clipLabels, type LabelSource, type SourceLabel, type SourceScan } from './source'
import { appendAll } from '../../../shared/arrays'

type Shape = { className: string; where: string } & ({ polygon: number[] } | { rle: Rle })

export interface CocoImageEntry {
  id: number | string
  /** file_name, normalised to '/' separators and no '.' segments. */
  fileName: string
  width?: number
  height?: number
  shapes: Shape[]
  /** Problems with this image's annotations, reported when the image is imported. */
  issues: string[]
  annotations: number
  status?: string
  split?: Split
  view?: ViewOrUnassigned
}

export interface CocoFile {
  /** Usable image entries by normalised file_name. */
  images: Map<string, CocoImageEntry>
  /** Problems with the file as a whole: refused paths, duplicate ids, dangling references. */
  issues: string[]
  categories: Map<string, string>
}

const MAX_ISSUES_PER_KIND = 50

/**
 * Parses a COCO file. Throws on malformed JSON or a document that is not
 * COCO; anything wrong inside is listed and skipped.
 */
export function parseCoco(text: string): CocoFile {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new Error(`malformed JSON: ${(err as Error).message}`)
  }
  if (!isObject(doc) || !Array.isArray(doc.images)) throw new Error('not a COCO file (no "images" array)')
  if (doc.annotations !== undefined && !Array.isArray(doc.annotations)) throw new Error('not a COCO file ("annotations" is not an array)')
  if (doc.categories !== undefined && !Array.isArray(doc.categories)) throw new Error('not a COCO file ("categories" is not an array)')
  const issues: string[] = []

  const categories = new Map<string, string>()
  const badCategories = new Set<string>()
  ;((doc.categories as unknown[] | undefined) ?? []).forEach((raw, k) => {
    if (!isObject(raw) || !isId(raw.id) || typeof raw.name !== 'string' || raw.name.trim() === '') {
      issues.push(`category ${k + 1}: needs a numeric or string "id" and a non-empty "name"; skipped`)
      return
    }
    const key = String(raw.id)
    if (categories.has(key) || badCategories.has(key)) {
      issues.push(`category id ${key} is listed more than once; its annotations are skipped`)
      categories.delete(key)
      badCategories.add(key)
      return
    }
    categories.set(key, raw.name.trim())
  })

  // Ids listed more than once make every annotation on them ambiguous: all such entries are refused.
  const idCount = new Map<string, string[]>()
  const entries: { key: string; entry: CocoImageEntry }[] = []
  ;(doc.images as unknown[]).forEach((raw, k) => {
    const where = `image ${k + 1}`
    if (!isObject(raw) || !isId(raw.id)) {
      issues.push(`${where}: needs a numeric or string "id"; skipped`)
      return
    }
    const key = String(raw.id)
    const names = idCount.get(key) ?? []
    names.push(typeof raw.file_name === 'string' ? raw.file_name : '?')
    idCount.set(key, names)
    if (typeof raw.file_name !== 'string' || raw.file_name.trim() === '') {
      issues.push(`${where} (id ${key}): no "file_name"; skipped`)
      return
    }
    const norm = normaliseFileName(raw.file_name)
    if (!norm.ok) {
      issues.push(`image id ${key}: file_name "${raw.file_name}" ${norm.reason}: refused`)
      return
    }
    const entry: CocoImageEntry = { id: raw.id, fileName: norm.path, shapes: [], issues: [], annotations: 0 }
    if (isPositiveInt(raw.width)) entry.width = raw.width
    if (isPositiveInt(raw.height)) entry.height = raw.height
    if (typeof raw.status === 'string') entry.status = raw.status
    if (typeof raw.split === 'string' && (SPLITS as readonly string[]).includes(raw.split)) entry.split = raw.split as Split
    if (typeof raw.view === 'string' && ([...VIEWS, UNASSIGNED_VIEW] as string[]).includes(raw.view)) entry.view = raw.view as ViewOrUnassigned
    entries.push({ key, entry })
  })
  const byId = new Map<string, CocoImageEntry>()
  const images = new Map<string, CocoImageEntry>()
  for (const { key, entry } of entries) {
    const names = idCount.get(key)!
    if (names.length > 1) continue
    const other = images.get(entry.fileName)
    if (other) {
      issues.push(`image id ${key}: file_name "${entry.fileName}" is also image id ${String(other.id)}; only the first is used`)
      continue
    }
    byId.set(key, entry)
    images.set(entry.fileName, entry)
  }
  for (const [key, names] of idCount) {
    if (names.length > 1) issues.push(`image id ${key} is listed ${names.length} times (${names.join(', ')}): its annotations are ambiguous, all skipped`)
  }

  const dangling = { image: 0, category: 0 }
  ;((doc.annotations as unknown[] | undefined) ?? []).forEach((raw, k) => {
    if (!isObject(raw)) {
      issues.push(`annotation ${k + 1}: not an object; skipped`)
      return
    }
    const where = `annotation ${isId(raw.id) ? String(raw.id) : `#${k + 1}`}`
    const imageKey = isId(raw.image_id) ? String(raw.image_id) : null
    const entry = imageKey === null ? undefined : byId.get(imageKey)
    if (!entry) {
      // Annotations of refused or duplicated images were already explained with the image.
      if (imageKey !== null && idCount.has(imageKey)) return
      if (dangling.image++ < MAX_ISSUES_PER_KIND) issues.push(`${where}: image_id ${String(raw.image_id)} is not in "images"; skipped`)
      return
    }
    entry.annotations += 1
    const catKey = isId(raw.category_id) ? String(raw.category_id) : null
    const className = catKey === null ? undefined : categories.get(catKey)
    if (className === undefined) {
      const reason = catKey !== null && badCategories.has(catKey) ? 'is listed more than once' : 'is not in "categories"'
      if (dangling.category++ < MAX_ISSUES_PER_KIND) entry.issues.push(`${where}: category_id ${String(raw.category_id)} ${reason}; skipped`)
      return
    }
    const label = `${where} (${className})`
    const seg = raw.segmentation
    if (Array.isArray(seg)) {
      if (seg.length === 0) {
        entry.issues.push(`${label}: empty segmentation; skipped`)
        return
      }
      seg.forEach((ring, r) => {
        const ringWhere = seg.length > 1 ? `${label}, polygon ${r + 1}` : label
        const polygon = readPolygon(ring)
        if (typeof polygon === 'string') entry.issues.push(`${ringWhere}: ${polygon}; skipped`)
        else entry.shapes.push({ className, where: ringWhere, polygon })
      })
    } else if (isObject(seg) && ('counts' in seg || 'size' in seg)) {
      const rle = readRle(seg)
      if (typeof rle === 'string') entry.issues.push(`${label}: ${rle}; skipped`)
      else entry.shapes.push({ className, where: label, rle })
    } else {
      entry.issues.push(`${label}: no segmentation (bounding-box-only annotations are not imported); skipped`)
    }
  })
  if (dangling.image > MAX_ISSUES_PER_KIND) issues.push(`... and ${dangling.image - MAX_ISSUES_PER_KIND} more annotations with an unknown image_id`)
  return { images, issues, categories }
}

/** Refuses absolute paths and any '..' segment: a label file never names a file outside the import folder. */
export function normaliseFileName(name: string): { ok: true; path: string } | { ok: false; reason: string } {
  const slashed = name.replace(/\\/g, '/')
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return { ok: false, reason: 'is an absolute path' }
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..')) return { ok: false, reason: 'leaves the image folder ("..")' }
  if (parts.length === 0) return { ok: false, reason: 'is empty' }
  return { ok: true, path: posix.join(...parts) }
}

function readPolygon(ring: unknown): number[] | string {
  if (!Array.isArray(ring)) return 'a polygon is not a list of numbers'
  // null, strings and "NaN" are refused: Number(null) would quietly be 0.
  if (!ring.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'a coordinate is not a finite number'
  if (ring.length % 2 !== 0) return `odd number of coordinates (${ring.length})`
  if (ring.length < 6) return `fewer than 3 points (${ring.length / 2})`
  return ring as number[]
}

function readRle(seg: Record<string, unknown>): Rle | string {
  const size: unknown = seg.size
  const h: unknown = Array.isArray(size) && size.length === 2 ? size[0] : undefined
  const w: unknown = Array.isArray(size) && size.length === 2 ? size[1] : undefined
  if (!isPositiveInt(h) || !isPositiveInt(w)) return 'RLE "size" is not [height, width]'
  const counts = seg.counts
  if (typeof counts === 'string') return { size: [h, w], counts }
  if (Array.isArray(counts) && counts.every((c) => typeof c === 'number' && Number.isInteger(c) && c >= 0)) {
    return { size: [h, w], counts: counts as number[] }
  }
  return 'RLE "counts" is neither a list of non-negative whole numbers nor a compressed string'
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isId(v: unknown): v is number | string {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v !== '')
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0
}

/**
 * The labels of a COCO file, for the images of the import folder its
 * file_name entries name (exactly, or by a file name that is unique on both
 * sides).
 */
export async function openCocoSource(file: string, opts: { tolerance: number }): Promise<LabelSource> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new StudioError('not_found', `Cannot read the COCO file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  let coco: CocoFile
  try {
    coco = parseCoco(text)
  } catch (err) {
    throw new StudioError('invalid_argument', `COCO file ${file}: ${(err as Error).message}`)
  }
  const path = basename(file)
  const bound = new Map<string, CocoImageEntry>()
  const claimed = new Set<CocoImageEntry>()
  const bind = (files: readonly string[]): void => {
    bound.clear()
    claimed.clear()
    const rest: string[] = []
    for (const rel of files) {
      const entry = coco.images.get(rel)
      if (entry) {
        bound.set(rel, entry)
        claimed.add(entry)
      } else {
        rest.push(rel)
      }
    }
    // A COCO file often names images relative to another folder: fall back to the bare file name when it is unique on both sides.
    const entriesByBase = uniqueBy([...coco.images.values()].filter((e) => !claimed.has(e)), (e) => posix.basename(e.fileName))
    const filesByBase = uniqueBy(rest, (rel) => posix.basename(rel))
    for (const [base, entry] of entriesByBase) {
      const rel = filesByBase.get(base)
      if (!entry || !rel) continue
      bound.set(rel, entry)
      claimed.add(entry)
    }
  }
  const unmatched = (): ImportIssue[] => {
    const missing = [...coco.images.values()].filter((e) => !claimed.has(e))
    const out: ImportIssue[] = missing
      .slice(0, MAX_ISSUES_PER_KIND)
      .map((e) => ({ path, reason: `${e.fileName}: listed in the COCO file but not found in the import folder` }))
    if (missing.length > MAX_ISSUES_PER_KIND) out.push({ path, reason: `... and ${missing.length - MAX_ISSUES_PER_KIND} more images not found` })
    return out
  }
  return {
    openIssues: coco.issues.map((reason) => ({ path, reason })),
    prepare: bind,
    async labelsFor(rel, frame) {
      const entry = bound.get(rel)
      if (!entry) return null
      const issues = entry.issues.map((i) => `${entry.fileName}: ${i}`)
      const { width, height } = frame
      if (entry.width !== undefined && entry.height !== undefined && (entry.width !== width || entry.height !== height)) {
        issues.push(`${entry.fileName}: COCO says the image is ${entry.width}x${entry.height}, the file is ${width}x${height}; polygons kept as they are`)
      }
      const polygons: SourceLabel[] = []
      const traced: SourceLabel[] = []
      for (const shape of entry.shapes) {
        if ('polygon' in shape) {
          polygons.push({ className: shape.className, points: shape.polygon })
          continue
        }
        const [h, w] = shape.rle.size
        if (w !== width || h !== height) {
          issues.push(`${entry.fileName}: ${shape.where}: RLE size ${w}x${h} differs from the image's ${width}x${height}; skipped`)
          continue
        }
        try {
          const { mask } = decodeRle(shape.rle)
          const rings = opts.tolerance === 0 ? traceBinaryExact(mask, width, height) : traceBinary(mask, width, height, { tolerance: opts.tolerance })
          if (rings.length === 0) issues.push(`${entry.fileName}: ${shape.where}: the RLE mask is empty; skipped`)
          for (const ring of rings) traced.push({ className: shape.className, points: [...ring] })
        } catch (err) {
          issues.push(`${entry.fileName}: ${shape.where}: ${(err as Error).message}; skipped`)
        }
      }
      const clipIssues: string[] = []
      const labels = [...clipLabels(polygons, width, height, clipIssues), ...traced]
      for (const i of clipIssues) issues.push(`${entry.fileName}: ${i}`)
      return {
        path,
        labels,
        issues,
        empty: entry.annotations === 0,
        ...(entry.status === 'normal' ? { normal: true } : {}),
        ...(entry.split ? { split: entry.split } : {}),
        ...(entry.view ? { view: entry.view } : {})
      }
    },
    unmatched,
    async scan(files) {
      bind(files)
      const scan: SourceScan = { files: bound.size, classes: new Map(), issues: [...coco.issues.map((reason) => ({ path, reason }))] }
      for (const entry of bound.values()) {
        // An RLE annotation counts once, though tracing may find several regions in it.
        for (const shape of entry.shapes) addCount(scan.classes, shape.className, 1)
        addFileCounts(scan, entry.shapes.map((s) => s.className))
        for (const i of entry.issues) scan.issues.push({ path, reason: `${entry.fileName}: ${i}` })
      }
      appendAll(scan.issues, unmatched())
      return scan
    }
  }
}

/** Items keyed by `key`, only where the key is unique (a key seen twice maps to undefined). */
function uniqueBy<T>(items: T[], key: (item: T) => string): Map<string, T | undefined> {
  const out = new Map<string, T | undefined>()
  for (const item of items) {
    const k = key(item)
    out.set(k, out.has(k) ? undefined : item)
  }
  return out
}
