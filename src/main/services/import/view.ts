import { VIEWS, UNASSIGNED_VIEW, type ViewOrUnassigned } from '../../../shared/domain'

/**
 * Default: a D01..D04 token as a whole path segment or a file-name token
 * (`D02/frame.jpg`, `line3_D02_0001.jpg`), not part of a longer word or number.
 */
export const DEFAULT_VIEW_PATTERN = '(?:^|[^A-Za-z0-9])(D0[1-4])(?=[^0-9]|$)'

export function compileViewPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i')
  } catch (err) {
    throw new Error(`view pattern is not a valid regular expression: ${(err as Error).message}`)
  }
}

/** The view named by a relative path: the pattern's first group, or its whole match. */
export function viewFromPath(relPath: string, re: RegExp): ViewOrUnassigned {
  const m = re.exec(relPath)
  if (!m) return UNASSIGNED_VIEW
  const token = (m[1] ?? m[0]).toUpperCase()
  return (VIEWS as readonly string[]).includes(token) ? (token as ViewOrUnassigned) : UNASSIGNED_VIEW
}
