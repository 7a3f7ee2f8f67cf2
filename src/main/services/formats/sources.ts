import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { StudioError, type ImportOptions } from '../../../shared/contract'
import type { Workspace } from '../workspace'
import { openCocoSource } from './coco'
import { openLabelmeSource } from './labelmeSource'
import { openMaskSource } from './maskSource'
import { isOwnMaskExport } from './ownExport'
import { openMvtecSource } from './mvtec'
import { addCount, type LabelSource, type SourceScan } from './source'
import { appendAll } from '../../../shared/arrays'

/** Traced contours stay within this many pixels of the mask's outline unless the import says otherwise. */
export const DEFAULT_TRACE_TOLERANCE = 1

/** Our own mask exports come back exactly unless a tolerance is given (see ownExport.ts). */
function maskTolerance(folder: string, given: number | undefined): number {
  return given ?? (isOwnMaskExport(folder) ? 0 : DEFAULT_TRACE_TOLERANCE)
}

export function maskFolders(opts: ImportOptions): string[] {
  if (opts.masks === undefined) return []
  return (Array.isArray(opts.masks) ? opts.masks : [opts.masks]).map((m) => resolve(m))
}

/** The label sources an import reads, in the order their labels are added. Throws on a source that can't be read at all. */
export async function openLabelSources(ws: Workspace, folder: string, opts: ImportOptions): Promise<LabelSource[]> {
  const tolerance = opts.traceTolerance ?? DEFAULT_TRACE_TOLERANCE
  if (!(tolerance >= 0 && Number.isFinite(tolerance))) throw new StudioError('invalid_argument', `traceTolerance must be a number >= 0, got ${tolerance}`)
  const sources: LabelSource[] = []
  for (const m of maskFolders(opts)) sources.push(await openMaskSource(m, { maskClasses: opts.maskClasses, valueMap: opts.valueMap, tolerance: maskTolerance(m, opts.traceTolerance) }))
  if (opts.labelme) sources.push(openLabelmeSource(folder))
  if (opts.coco) {
    const file = resolve(opts.coco)
    if (!existsSync(file) || !statSync(file).isFile()) throw new StudioError('not_found', `No COCO file at ${file}`)
    sources.push(await openCocoSource(file, { tolerance }))
  }
  if (opts.mvtec) sources.push(await openMvtecSource(folder, { tolerance }))
  return sources
}

/** Everything the sources hold for these images, merged. */
export async function scanSources(sources: LabelSource[], files: readonly string[]): Promise<SourceScan> {
  const all: SourceScan = { files: 0, classes: new Map(), issues: [] }
  for (const s of sources) {
    const scan = await s.scan(files)
    all.files += scan.files
    for (const [name, n] of scan.classes) addCount(all.classes, name, n)
    for (const [name, n] of scan.classFiles ?? []) (all.classFiles ??= new Map()).set(name, (all.classFiles.get(name) ?? 0) + n)
    appendAll(all.issues, scan.issues)
  }
  return all
}
