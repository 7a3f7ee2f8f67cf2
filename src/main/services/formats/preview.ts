import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { StudioError, type ImportIssue, type ImportOptions } from '../../../shared/contract'
import type { ImportPreviewResult, LabelNameUse } from '../../../shared/contract/namespaces/import'
import { walkImages } from '../import/walk'
import type { Workspace } from '../workspace'
import { ClassResolver } from './classMap'
import { DEFAULT_PREVIEW_LIMITS, previewMaskFolder, type PreviewLimits } from './maskPreview'
import { maskFolders, openLabelSources, scanSources } from './sources'

/**
 * What an import would read: image count, label files, every mask value with
 * its pixel count and every label name with its shape count, and where the
 * current mapping sends each name, so the caller can ask for a mapping
 * before importing. Writes nothing.
 *
 * Masks are read here rather than through the import's mask source: that
 * source refuses a folder whose values have no names, and naming them is
 * what the preview is for.
 */
export async function previewImport(
  ws: Workspace,
  opts: ImportOptions,
  limits: PreviewLimits = DEFAULT_PREVIEW_LIMITS,
  signal?: AbortSignal
): Promise<ImportPreviewResult> {
  const started = Date.now()
  const folder = resolve(opts.folder)
  if (!existsSync(folder)) throw new StudioError('not_found', `No folder at ${folder}`)
  if (!statSync(folder).isDirectory()) throw new StudioError('invalid_argument', `${folder} is a file, not a folder`)
  const sources = await openLabelSources(ws, folder, { ...opts, masks: undefined })
  const walked = await walkImages(folder, { skip: [ws.dir, ...sources.flatMap((s) => s.skipDirs ?? [])], ...(signal ? { signal } : {}) })
  throwIfSuperseded(signal)
  for (const src of sources) src.prepare?.(walked.files)
  const scan = await scanSources(sources, walked.files)

  const issues: ImportIssue[] = [...walked.unreadable, ...scan.issues]
  const maskPreviews = []
  const found = new Map(scan.classes)
  let labelFiles = scan.files
  for (const m of maskFolders(opts)) {
    const p = await previewMaskFolder(m, walked.files, opts, limits, issues, signal)
    throwIfSuperseded(signal)
    maskPreviews.push(p.preview)
    labelFiles += p.preview.masks
    for (const name of p.targets) if (!found.has(name)) found.set(name, undefined)
  }

  const labelNames: LabelNameUse[] = [...scan.classes.entries()]
    .map(([name, shapes]) => ({ name, shapes: shapes ?? 0, files: scan.classFiles?.get(name) ?? 0 }))
    .sort((a, b) => a.name.localeCompare(b.name))
  const { classes, unknown } = new ClassResolver(ws, opts).uses(found)
  return {
    folder,
    images: walked.files.length,
    labelFiles,
    classes,
    unknownClasses: unknown,
    issues,
    maskFolders: maskPreviews,
    labelNames,
    seconds: (Date.now() - started) / 1000
  }
}

/** A preview nobody waits for any more (the dialog asked about another folder) stops instead of walking on. */
function throwIfSuperseded(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StudioError('conflict', 'This preview was replaced by a newer one')
}
