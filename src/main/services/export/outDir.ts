/**
 * The export folder: which folders may receive an export, and the one way
 * files get written there, so nothing outside it is ever touched.
 */
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { isInside, realPath } from '../../security/paths'
import type { Workspace } from '../workspace'
import { allRoots } from './frames'
import { allFiles, findLeftovers, listedFiles, PARTIAL_MARKER, type Leftover } from './staging'
import { WriteLayer } from './writeLayer'

export { GENERATOR, MANIFEST } from './staging'

export interface OutCheck {
  /** Absolute real path of the export folder. */
  dir: string
  /** Why the folder can't receive this export; unset when it can. */
  problem?: string
  /** forbidden: never this folder; conflict: not as it is now. */
  code?: 'forbidden' | 'conflict' | 'invalid_argument'
  /** Files a previous export there wrote (relative), removed by an overwrite; null when the folder is absent or empty. */
  previous: string[] | null
  /** What interrupted exports into this folder left beside it. */
  leftovers: Leftover[]
}

/**
 * Refuses a folder that is or holds an image root or the workspace (an
 * export beside the frames would be read back as new frames, or overwrite
 * them), one inside the workspace's own cache or models, a file, a mount
 * point (the finished export is renamed onto it from a sibling folder, which
 * must be on the same file system), a folder another export is being written
 * into, and a non-empty folder, except an export of ours when overwriting.
 */
export function checkOut(ws: Workspace, out: string, overwrite: boolean): OutCheck {
  const dir = realPath(out)
  const result: OutCheck = { dir, previous: null, leftovers: findLeftovers(dir) }
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
  const running = result.leftovers.find((l) => l.running)
  if (running) return refuse(`another export into ${dir} is being written (process ${running.pid ?? '?'}, folder ${running.path}); wait for it to finish`, 'conflict')
  if (!existsSync(dir)) return result
  if (dirname(dir) === dir || statSync(dir).dev !== statSync(dirname(dir)).dev) {
    return refuse(`${dir} is the top of its own disk or mount; export into a folder inside it (e.g. ${join(dir, 'export')}) so the finished export can be moved into place in one step`, 'invalid_argument')
  }
  if (readdirSync(dir).length === 0) return result
  const previous = previousExport(dir)
  if (!previous) return refuse(`${dir} is not empty; choose a new or empty folder (overwrite only replaces a previous Defect Studio export)`, 'conflict')
  if (!overwrite) return refuse(`${dir} holds a previous export; allow overwriting (--overwrite) to replace it`, 'conflict')
  return { ...result, previous }
}

/**
 * The files an export of ours at `dir` wrote, or null when it holds none. A
 * folder carrying our marker without a manifest (a staging folder moved
 * there by hand) is ours throughout.
 */
function previousExport(dir: string): string[] | null {
  const listed = listedFiles(dir)
  if (listed) return listed
  return lstatSync(join(dir, PARTIAL_MARKER), { throwIfNoEntry: false })?.isFile() ? allFiles(dir) : null
}

/** Writes files below one folder, refusing any path that would leave it; every write goes through the export's write layer. */
export class ExportWriter {
  /** Paths written, relative to the root, '/'-separated. */
  readonly written: string[] = []

  constructor(
    readonly root: string,
    private readonly layer: WriteLayer = new WriteLayer()
  ) {}

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
    const name = parts(rel)
    await this.layer.mkdir(dirname(full), name)
    // Checked again once the folders exist: a symlinked folder must not lead out.
    if (!isInside(this.root, dirname(full))) throw new Error(`refused to write "${rel}": its folder leads outside the export folder`)
    await this.layer.write(full, name, data)
    this.written.push(name)
  }
}

function parts(rel: string): string {
  return rel.split(/[\\/]/).filter((p) => p !== '' && p !== '.').join('/')
}
