/**
 * Path containment: the one check behind "file access only inside the
 * workspace and the folders the user picked".
 */
import { realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path'

/**
 * The real path of `p`: symlinks resolved for the part of it that exists, the
 * rest appended as written. A link inside a granted folder that points
 * elsewhere is therefore judged by where it points.
 */
export function realPath(p: string): string {
  const abs = resolve(p)
  try {
    return realpathSync.native(abs)
  } catch {
    const parent = dirname(abs)
    if (parent === abs) return abs
    return resolve(realPath(parent), basename(abs))
  }
}

/** True when `p` is `root` itself or below it, after resolving `..` and symlinks. */
export function isInside(root: string, p: string): boolean {
  const rel = relative(realPath(root), realPath(p))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/**
 * Resolves `p` against `root` and returns the absolute path, or null when
 * the result would leave `root` (`../`, an absolute path elsewhere, a
 * symlink out, a NUL byte).
 */
export function resolveInside(root: string, p: string): string | null {
  if (p.includes('\0')) return null
  const full = resolve(root, p)
  return isInside(root, full) ? full : null
}
