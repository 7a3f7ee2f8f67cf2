import { opendir } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import type { ImportIssue } from '../../../shared/contract'
import { IMAGE_EXTENSIONS } from '../../../shared/domain'

export interface WalkResult {
  /** Paths relative to the folder, with '/' separators, sorted. */
  files: string[]
  unreadable: ImportIssue[]
}

const IMAGE_EXT = new Set<string>(IMAGE_EXTENSIONS)

/**
 * Lists image files below a folder. A sub-folder that can't be read is
 * reported and skipped; hidden folders and our own workspace folders are not
 * entered.
 */
export async function walkImages(folder: string, opts: { skip?: string[]; signal?: AbortSignal } = {}): Promise<WalkResult> {
  const files: string[] = []
  const unreadable: ImportIssue[] = []
  const skip = new Set(opts.skip ?? [])
  const visit = async (dir: string): Promise<void> => {
    if (opts.signal?.aborted) return
    let handle
    try {
      handle = await opendir(dir)
    } catch (err) {
      unreadable.push({ path: relative(folder, dir) || '.', reason: `folder not readable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` })
      return
    }
    const subdirs: string[] = []
    for await (const entry of handle) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !skip.has(full)) subdirs.push(full)
      } else if (entry.isFile() && IMAGE_EXT.has(extname(entry.name).toLowerCase())) {
        files.push(relative(folder, full).split(sep).join('/'))
      }
    }
    for (const d of subdirs.sort()) await visit(d)
  }
  await visit(folder)
  files.sort()
  return { files, unreadable }
}
