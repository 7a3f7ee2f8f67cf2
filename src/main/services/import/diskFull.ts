import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError } from '../../../shared/contract'
import type { Workspace } from '../workspace'

/**
 * The one message a full disk gives an import. What was committed stays;
 * the next run of the same import skips it as duplicates (same content
 * hash) and goes on with the rest.
 */
export function diskFullError(wsDir: string, imported: number, cause: unknown): StudioError {
  const what = (cause as { code?: string }).code === 'SQLITE_FULL' ? 'the workspace database could not grow' : 'no space left for the thumbnails'
  return new StudioError(
    'internal',
    `The disk holding ${wsDir} is full (${what}): the import stopped. ` +
      `${imported} image${imported === 1 ? '' : 's'} imported before that ${imported === 1 ? 'is' : 'are'} kept. ` +
      'Free some space and run the same import again: it picks up where it stopped (images already imported count as duplicates).'
  )
}

/**
 * Removes this process's temporary files below the thumbnail folder: a
 * write that failed on a full disk may have been unable even to clean up
 * after itself. Other processes' files are left alone (the pid is in the name).
 */
export function sweepTempFiles(thumbDir: string): void {
  const suffix = `.${process.pid}.tmp`
  let subdirs: string[]
  try {
    subdirs = readdirSync(thumbDir)
  } catch {
    return
  }
  for (const sub of subdirs) {
    let names: string[]
    try {
      names = readdirSync(join(thumbDir, sub))
    } catch {
      continue
    }
    for (const name of names) if (name.endsWith(suffix)) rmSync(join(thumbDir, sub, name), { force: true })
  }
}

/** Frames this import committed (the summary's counts also include a chunk whose transaction rolled back). */
export function committedBy(ws: Workspace, importId: number | null): number {
  if (importId === null) return 0
  try {
    return ws.db.prepare('SELECT count(*) FROM images WHERE import_id = ?').pluck().get(importId) as number
  } catch {
    return 0
  }
}
