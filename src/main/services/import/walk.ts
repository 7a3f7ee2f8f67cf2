import { opendir, stat } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import type { ImportIssue } from '../../../shared/contract'
import { IMAGE_EXTENSIONS } from '../../../shared/domain'

export interface WalkResult {
  /** Paths relative to the folder, with '/' separators, sorted. */
  files: string[]
  unreadable: ImportIssue[]
  /** Entries left out on purpose (links to folders, broken links), with the reason. */
  skipped: ImportIssue[]
}

const IMAGE_EXT = new Set<string>(IMAGE_EXTENSIONS)

/**
 * Lists image files below a folder. A sub-folder that can't be read is
 * reported and skipped; hidden folders and our own workspace folders are not
 * entered. A symbolic link to a file counts as that file; links to folders
 * are listed as skipped and never entered, so no link can make the walk loop
 * or import a folder twice.
 */
export async function walkImages(folder: string, opts: { skip?: string[]; signal?: AbortSignal } = {}): Promise<WalkResult> {
  const files: string[] = []
  const unreadable: ImportIssue[] = []
  const skipped: ImportIssue[] = []
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
        files.push(relPath(folder, full))
      } else if (entry.isSymbolicLink()) {
        const link = await followLink(full)
        if (link === 'dir') {
          if (!entry.name.startsWith('.')) skipped.push({ path: relPath(folder, full), reason: 'link to a folder: not followed (links to folders can loop); import that folder itself instead' })
        } else if (IMAGE_EXT.has(extname(entry.name).toLowerCase())) {
          if (link === 'file') files.push(relPath(folder, full))
          else if (link !== 'other') skipped.push({ path: relPath(folder, full), reason: `broken link (${link})` })
        }
      }
    }
    for (const d of subdirs.sort()) await visit(d)
  }
  await visit(folder)
  files.sort()
  return { files, unreadable, skipped }
}

function relPath(folder: string, full: string): string {
  return relative(folder, full).split(sep).join('/')
}

/** What a link points to: 'file', 'dir', 'other' (a device, a pipe), or why it cannot be followed. */
async function followLink(path: string): Promise<string> {
  try {
    const st = await stat(path)
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other'
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? 'its target does not exist' : code === 'ELOOP' ? 'it points to itself through other links' : (code ?? 'unreadable')
  }
}
