import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { StudioError, type ImportOptions, type ImportPreview } from '../../../shared/contract'
import { walkImages } from '../import/walk'
import type { Workspace } from '../workspace'
import { ClassResolver } from './classMap'
import { openLabelSources, scanSources } from './sources'

/**
 * What an import would read: image count, label files, and every class name
 * the labels use with where the mapping sends it, so the caller can ask for a
 * mapping before importing. Writes nothing.
 */
export async function previewImport(ws: Workspace, opts: ImportOptions): Promise<ImportPreview> {
  const folder = resolve(opts.folder)
  if (!existsSync(folder)) throw new StudioError('not_found', `No folder at ${folder}`)
  if (!statSync(folder).isDirectory()) throw new StudioError('invalid_argument', `${folder} is a file, not a folder`)
  const sources = await openLabelSources(ws, folder, opts)
  const walked = await walkImages(folder, { skip: [ws.dir, ...sources.flatMap((s) => s.skipDirs ?? [])] })
  for (const src of sources) src.prepare?.(walked.files)
  const scan = await scanSources(sources, walked.files)
  const { classes, unknown } = new ClassResolver(ws, opts).uses(scan.classes)
  return { folder, images: walked.files.length, labelFiles: scan.files, classes, unknownClasses: unknown, issues: [...walked.unreadable, ...scan.issues] }
}
