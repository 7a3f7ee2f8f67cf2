import { readFile } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { basename, extname, relative, resolve } from 'node:path'
import { StudioError, type MaskValueMapping } from '../../../shared/contract'
import type { ClassKind } from '../../../shared/domain'
import { rasterizeInto } from '../../../shared/geometry/raster'
import { traceMask } from '../../../shared/geometry/trace'
import { readClassMask } from '../imaging/maskPng'
import { traceMaskExact } from './exactTrace'
import { findMask, indexMasks } from '../import/masks'
import { maskFolderNames } from './maskNames'
import { addCount, type LabelSource, type SourceLabel, type SourceScan } from './source'

/**
 * PNG class-index masks in one folder, found by the image's relative path or
 * stem. Each class's connected regions are traced along pixel corners and
 * simplified within `tolerance` pixels.
 */
export async function openMaskSource(
  folder: string,
  opts: { maskClasses?: string[] | undefined; valueMap?: MaskValueMapping[] | undefined; tolerance: number }
): Promise<LabelSource> {
  const maskFolder = resolve(folder)
  if (!existsSync(maskFolder) || !statSync(maskFolder).isDirectory()) {
    throw new StudioError('not_found', `No mask folder at ${maskFolder}`)
  }
  let index
  try {
    index = await indexMasks(maskFolder)
  } catch (err) {
    throw new StudioError('forbidden', (err as Error).message)
  }
  const mapping = maskValueNames(maskFolder, opts.maskClasses, opts.valueMap)
  const imageStems = new Map<string, number>()
  const stemCount = (rel: string): number => imageStems.get(basename(rel, extname(rel))) ?? 1
  const classKinds = new Map<string, ClassKind>()
  for (const [value, kind] of mapping.kinds ?? []) {
    const name = mapping.names[value]
    if (name) classKinds.set(name.trim().toLowerCase(), kind)
  }
  return {
    classKinds,
    prepare(files) {
      for (const rel of files) {
        const stem = basename(rel, extname(rel))
        imageStems.set(stem, (imageStems.get(stem) ?? 0) + 1)
      }
    },
    async labelsFor(rel, frame) {
      const match = findMask(index, rel, stemCount(rel))
      if (!match) return null
      if ('ambiguous' in match) {
        // Matching by bare file name once put one mask on every image of that name in different folders.
        const reason = `no mask at ${rel}'s relative path, and ${match.ambiguous}: a mask found by file name alone was not applied (mirror the image folders in the mask folder)`
        return { path: rel, labels: [], issues: [reason], failed: true }
      }
      const maskFile = match.file
      const path = relative(maskFolder, maskFile)
      try {
        const issues: string[] = []
        const seen = { skipped: false }
        const labels = await traceMaskFile(maskFile, frame.width, frame.height, opts.tolerance, mapping, issues, seen)
        // A mask holding only skipped values is not an empty one: nothing says that frame is defect-free.
        return { path, labels, issues, empty: labels.length === 0 && issues.length === 0 && !seen.skipped }
      } catch (err) {
        return { path, labels: [], issues: [(err as Error).message], failed: true }
      }
    },
    async scan(files) {
      const scan: SourceScan = { files: 0, classes: new Map(), issues: [] }
      for (const rel of files) if (findMask(index, rel, stemCount(rel))) scan.files += 1
      // Which values occur is known only once the masks are decoded; list the names the folder declares.
      for (const name of mapping.names.slice(1)) if (name) addCount(scan.classes, name, undefined)
      return scan
    }
  }
}

async function traceMaskFile(
  maskFile: string,
  width: number,
  height: number,
  tolerance: number,
  mapping: MaskMapping,
  issues: string[],
  seen: { skipped: boolean }
): Promise<SourceLabel[]> {
  const mask = await readClassMask(await readFile(maskFile), { width, height })
  if (mask.width !== width || mask.height !== height) {
    throw new Error(`mask is ${mask.width}x${mask.height} but its image is ${width}x${height}`)
  }
  const out: SourceLabel[] = []
  const drawn = new Uint8Array(width * height)
  // At 0 px holes are cut around, not filled: pixel exact, as --trace-tolerance 0 promises.
  const traced = tolerance === 0 ? traceMaskExact(mask.data, width, height) : traceMask(mask.data, width, height, { tolerance, minIoU: TRACE_MIN_IOU })
  for (const [value, polys] of traced) {
    if (mapping.skip.has(value)) {
      seen.skipped = true
      continue
    }
    const name = mapping.names[value]
    if (!name) {
      let pixels = 0
      for (let i = 0; i < mask.data.length; i++) if (mask.data[i] === value) pixels++
      issues.push(`mask value ${value} (${pixels} px) has no class in ${mapping.from}; those pixels were not imported`)
      continue
    }
    for (const points of polys) out.push({ className: name, points: [...points] })
    const change = tracedChange(mask.data, value, polys, width, height, drawn)
    if (change.added > 0 && tolerance === 0) {
      issues.push(`${name}: ${change.added} px of holes in the mask were filled (a label is one outline without holes)`)
    } else if (change.added + change.lost > 0.05 * change.area) {
      issues.push(
        `${name}: the outlines traced within ${tolerance} px differ from the mask by ${change.added + change.lost} of its ${change.area} px ` +
          `(holes filled or thin parts smoothed); --trace-tolerance 0 keeps every pixel but holes`
      )
    }
  }
  return out
}

/**
 * Every traced component keeps at least this IoU with its pixels (the tracer
 * re-traces tighter below it): at 0.9 a thin scratch lost up to 15% of its
 * pixels without a word.
 */
const TRACE_MIN_IOU = 0.95

/** Pixels the polygons of `value` cover that the mask does not (added: filled holes, smoothing) and the reverse (lost). */
function tracedChange(
  mask: Uint8Array,
  value: number,
  polys: readonly (readonly number[])[],
  width: number,
  height: number,
  scratch: Uint8Array
): { area: number; added: number; lost: number } {
  scratch.fill(0)
  for (const p of polys) rasterizeInto(scratch, width, height, p as number[], 1)
  let area = 0
  let added = 0
  let lost = 0
  for (let i = 0; i < mask.length; i++) {
    const inMask = mask[i] === value
    if (inMask) area++
    if (scratch[i] && !inMask) added++
    else if (!scratch[i] && inMask) lost++
  }
  return { area, added, lost }
}

/** Mask value k -> names[k] (names[0]: the background), and where that mapping came from; `skip`: values left out on purpose. */
interface MaskMapping {
  names: string[]
  from: string
  skip: Set<number>
  /** Kind per value, when the folder's manifest.json says (our own exports do). */
  kinds?: Map<number, ClassKind>
}

/**
 * The classes of mask values come only from an explicit mapping: the mask
 * folder's classes.txt (which our own export writes) or manifest.json, the
 * names given (--mask-classes), or the import dialog's value mapping. Values
 * were once taken as the workspace's class order, which made value 3 the
 * region class `lathe` without a word; now an import without a mapping stops
 * before it writes.
 */
function maskValueNames(folder: string, given: string[] | undefined, valueMap: MaskValueMapping[] | undefined): MaskMapping {
  const own = maskFolderNames(folder)
  const base: MaskMapping | null =
    given && given.length > 0
      ? { names: ['', ...given], from: 'the class names given for the masks', skip: new Set() }
      : own.from
        ? { names: [...own.names], from: `${folder}/${own.from}`, skip: new Set(), kinds: new Map(own.kinds) }
        : null
  // The dialog's mapping names values one by one over whatever the folder says; values it leaves out keep that.
  const entries = (valueMap ?? []).filter((m) => m.masks === undefined || resolve(m.masks) === folder)
  if (entries.length > 0) {
    const out = base ?? { names: [], from: 'the mapping given for the masks', skip: new Set<number>() }
    for (const m of entries) {
      // A value the mapping names anew no longer carries the kind the folder gave its old name.
      if (m.skip || m.to) out.kinds?.delete(m.value)
      if (m.skip) out.skip.add(m.value)
      else if (m.to) out.names[m.value] = m.to
    }
    out.names = Array.from(out.names, (n) => n ?? '')
    if (!base) out.from = 'the mapping given for the masks'
    return out
  }
  if (base) return base
  throw new StudioError(
    'invalid_argument',
    `The masks in ${folder} come without class names, so their values cannot be mapped to classes, and nothing was imported. ` +
      'Give the names: a classes.txt beside the masks (line k names mask value k, line 0 the background), ' +
      '--mask-classes a,b,c on the command line (value 1 is a, 2 is b ...), or map each value in the import dialog.'
  )
}
