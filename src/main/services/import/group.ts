/**
 * Split group keys: near-identical frames (consecutive frames of one coil)
 * must share a split, or a model is tested on near-copies of what it trained
 * on. The key comes from the relative path by a configurable pattern, like the
 * view.
 */

/**
 * Default: a coil id as a path segment or file-name token, `coil` followed by
 * an optional `-`/`_` and letters and digits with at least one digit
 * (`coil_0412/D02/0001.jpg`, `line3_COIL-A17_D01_0005.png`; not `coils/`).
 */
export const DEFAULT_GROUP_PATTERN = '(?:^|[^A-Za-z0-9])(coil[-_]?[A-Za-z]*[0-9][A-Za-z0-9]*)(?=[^A-Za-z0-9]|$)'

/** Pattern value that puts every frame of one import into one group. */
export const BATCH_GROUP = 'batch'

/** How an import finds group keys: by a pattern, the whole import as one group, or no groups. */
export type GroupRule = { kind: 'pattern'; re: RegExp } | { kind: 'batch' } | { kind: 'none' }

export function compileGroupPattern(pattern: string): GroupRule {
  const p = pattern.trim()
  if (p === '' || p.toLowerCase() === 'none') return { kind: 'none' }
  if (p.toLowerCase() === BATCH_GROUP) return { kind: 'batch' }
  try {
    return { kind: 'pattern', re: new RegExp(p, 'i') }
  } catch (err) {
    throw new Error(`split group pattern is not a valid regular expression: ${(err as Error).message}`)
  }
}

/**
 * The group key of a relative path: the pattern's first group (or whole
 * match), lower-cased so `Coil_7` and `coil_7` are one coil; null when the
 * pattern does not match, so the frame stands alone.
 */
export function groupFromPath(relPath: string, rule: GroupRule, importId: number): string | null {
  if (rule.kind === 'none') return null
  if (rule.kind === 'batch') return `import-${importId}`
  const m = rule.re.exec(relPath.replace(/\\/g, '/'))
  if (!m) return null
  const token = (m[1] ?? m[0]).trim().toLowerCase()
  return token === '' ? null : token
}
