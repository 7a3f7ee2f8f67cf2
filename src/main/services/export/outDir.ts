/**
 * The export folder: which folders may receive an export, and the one way
 * files get written there, so nothing outside it is ever touched.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, posix } from 'node:path'
import { isInside, realPath } from '../../security/paths'
import type { Workspace } from '../workspace'
import { allRoots } from './frames'

export const MANIFEST = 'manifest.json'
export const GENERATOR = 'defect-studio'

export interface OutCheck {
  /** Absolute real path of the export folder. */
  dir: string
  /** Why the folder can't receive this export; unset when it can. */
  problem?: string
  /** forbidden: never this folder; conflict: not as it is now. */
  code?: 'forbidden' | 'conflict' | 'invalid_argument'
  /** Files a previous export there wrote (relative), removed before an overwrite. */
  previous: string[]
}

/**
 * Refuses a folder that is or holds an image root or the workspace (an
 * export beside the frames would be read back as new frames, or overwrite
 * them), one inside the workspace's own cache or models, a file, and a
 * non-empty folder, except a previous export when overwriting.
 */
export function checkOut(ws: Workspace, out: string, overwrite: boolean): OutCheck {
  const dir = realPath(out)
  const result: OutCheck = { dir, previous: [] }
  const refuse = (problem: string, code: OutCheck['code'] = 'forbidden'): OutCheck => ({ ...result, problem, code })
  if (existsSync(dir) && !statSync(dir).isDirectory()) return refuse(`${dir} is a file, not a folder`, 'invalid_argument')
  for (const root of allRoots(ws)) {
    if (isInside(root, dir)) return refuse(`${dir} is inside the image folder ${realPath(root)}: a later import of that folder would take the exported copies for new frames`)
    if (isInside(dir, root)) return refuse(`${dir} holds the image folder ${realPath(root)}: an export never writes among the source frames`)
  }
  if (isInside(dir, ws.dir)) return refuse(`${dir} holds the workspace itself; choose a folder of its own`)
  for (const own of [ws.paths.cache, ws.paths.models]) {
    if (isInside(own, dir)) return refuse(`${dir} is inside the workspace's ${posix.basename(own)} folder, which the app manages`)
  }
  if (!existsSync(dir) || readdirSync(dir).length === 0) return result
  const previous = readPreviousManifest(dir)
  if (!previous) return refuse(`${dir} is not empty; choose a new or empty folder (overwrite only replaces a previous Defect Studio export)`, 'conflict')
  if (!overwrite) return refuse(`${dir} holds a previous export; allow overwriting (--overwrite) to replace it`, 'conflict')
  return { ...result, previous }
}

/** The files a previous export listed, or null when the folder holds no export of ours. */
function readPreviousManifest(dir: string): string[] | null {
  const file = join(dir, MANIFEST)
  if (!existsSync(file)) return null
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { generator?: unknown; files?: unknown; frames?: unknown }
    if (doc.generator !== GENERATOR) return null
    const files = new Set<string>([MANIFEST])
    if (Array.isArray(doc.files)) for (const f of doc.files) if (typeof f === 'string') files.add(f)
    if (Array.isArray(doc.frames)) {
      for (const fr of doc.frames as { files?: unknown }[]) {
        if (Array.isArray(fr?.files)) for (const f of fr.files) if (typeof f === 'string') files.add(f)
      }
    }
    return [...files]
  } catch {
    return null
  }
}

/** Writes files below one folder, refusing any path that would leave it. */
export class ExportWriter {
  /** Paths written, relative to the root, '/'-separated. */
  readonly written: string[] = []

  constructor(readonly root: string) {}

  /** The absolute path of `rel` below the root; throws when it would leave it. */
  resolve(rel: string): string {
    const parts = rel.split(/[\\/]/).filter((p) => p !== '' && p !== '.')
    if (rel.includes('\0') || parts.length === 0 || parts.includes('..') || /^([A-Za-z]:|[\\/])/.test(rel)) {
      throw new Error(`refused to write "${rel}": not a path inside the export folder`)
    }
    const full = join(this.root, ...parts)
    if (!isInside(this.root, full)) throw new Error(`refused to write "${rel}": it resolves outside the export folder`)
    return full
  }

  async write(rel: string, data: string | Uint8Array): Promise<void> {
    const full = this.resolve(rel)
    await mkdir(dirname(full), { recursive: true })
    // Checked again once the folders exist: a symlinked folder must not lead out.
    if (!isInside(this.root, dirname(full))) throw new Error(`refused to write "${rel}": its folder leads outside the export folder`)
    if (existsSync(full) && lstatSync(full).isSymbolicLink()) throw new Error(`refused to write "${rel}": a symbolic link is in the way`)
    await writeFile(full, data)
    this.written.push(parts(rel))
  }

  /** Removes the files a previous export listed (never anything else), and the folders that leaves empty. */
  removePrevious(files: readonly string[]): void {
    const dirs = new Set<string>()
    for (const rel of files) {
      let full: string
      try {
        full = this.resolve(rel)
      } catch {
        continue
      }
      if (!existsSync(full) && !isLink(full)) continue
      const st = lstatSync(full)
      if (!st.isFile() && !st.isSymbolicLink()) continue
      unlinkSync(full)
      for (let d = dirname(full); d !== this.root && isInside(this.root, d); d = dirname(d)) dirs.add(d)
    }
    // Deepest first, so a parent sees its emptied children gone.
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
      try {
        if (readdirSync(d).length === 0) rmdirSync(d)
      } catch {
        // Someone else's file in there: the folder stays.
      }
    }
  }
}

function parts(rel: string): string {
  return rel.split(/[\\/]/).filter((p) => p !== '' && p !== '.').join('/')
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}
