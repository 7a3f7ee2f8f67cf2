import { readFile } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { StudioError } from '../../../shared/contract'
import { traceMask } from '../../../shared/geometry/trace'
import { listClasses } from '../classes'
import { readClassMask } from '../imaging/maskPng'
import { findMask, indexMasks, readClassesTxt } from '../import/masks'
import type { Workspace } from '../workspace'
import { addCount, type LabelSource, type SourceLabel, type SourceScan } from './source'

/**
 * PNG class-index masks in one folder, found by the image's relative path or
 * stem. Each class's connected regions are traced along pixel corners and
 * simplified within `tolerance` pixels.
 */
export async function openMaskSource(
  ws: Workspace,
  folder: string,
  opts: { maskClasses?: string[] | undefined; tolerance: number }
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
  const classesTxt = readClassesTxt(maskFolder)
  const nameOf = maskClassNamer(ws, classesTxt, opts.maskClasses)
  return {
    async labelsFor(rel, frame) {
      const maskFile = findMask(index, rel)
      if (!maskFile) return null
      const path = relative(maskFolder, maskFile)
      try {
        const labels = await traceMaskFile(maskFile, frame.width, frame.height, opts.tolerance, nameOf)
        return { path, labels, issues: [], empty: labels.length === 0 }
      } catch (err) {
        return { path, labels: [], issues: [(err as Error).message], failed: true }
      }
    },
    async scan(files) {
      const scan: SourceScan = { files: 0, classes: new Map(), issues: [] }
      for (const rel of files) if (findMask(index, rel)) scan.files += 1
      // Which values occur is known only once the masks are decoded; list the names the folder declares.
      const declared = classesTxt ? classesTxt.slice(1) : (opts.maskClasses ?? [])
      for (const name of declared) if (name) addCount(scan.classes, name, undefined)
      return scan
    }
  }
}

async function traceMaskFile(
  maskFile: string,
  width: number,
  height: number,
  tolerance: number,
  nameOf: (value: number) => string
): Promise<SourceLabel[]> {
  const mask = await readClassMask(await readFile(maskFile))
  if (mask.width !== width || mask.height !== height) {
    throw new Error(`mask is ${mask.width}x${mask.height} but its image is ${width}x${height}`)
  }
  const out: SourceLabel[] = []
  for (const [value, polys] of traceMask(mask.data, width, height, { tolerance })) {
    for (const points of polys) out.push({ className: nameOf(value), points: [...points] })
  }
  return out
}

/** Mask value -> class name: classes.txt, then the names given, then the workspace's class order. */
function maskClassNamer(ws: Workspace, classesTxt: string[] | null, given: string[] | undefined): (value: number) => string {
  const byPosition = new Map(listClasses(ws).map((c) => [c.position, c.name]))
  return (value) => classesTxt?.[value] || given?.[value - 1] || byPosition.get(value) || `class_${value}`
}
