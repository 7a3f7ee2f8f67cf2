/**
 * Class names in label files -> workspace classes: the mapping first
 * (case-insensitive; an empty target drops the labels), then an existing
 * class of that name, then a new class when the import may create classes.
 */
import { StudioError, type ClassMapping, type ImportClassUse, type NewImportClass } from '../../../shared/contract'
import { classNameProblem } from '../../../shared/classNames'
import type { ClassDef, ClassKind } from '../../../shared/domain'
import { ensureClass, listClasses } from '../classes'
import type { Workspace } from '../workspace'

export type Resolved =
  | { kind: 'class'; cls: ClassDef; created: boolean }
  | { kind: 'dropped' }
  | { kind: 'unknown'; name: string }
  | { kind: 'invalid'; name: string; problem: string }

export class ClassResolver {
  private readonly map = new Map<string, string>()
  private readonly create: boolean
  private readonly kinds = new Map<string, ClassKind>()

  constructor(
    private readonly ws: Workspace,
    opts: { classMap?: ClassMapping[] | undefined; createClasses?: boolean | undefined; newClasses?: NewImportClass[] | undefined }
  ) {
    for (const m of opts.classMap ?? []) this.map.set(m.from.trim().toLowerCase(), m.to.trim())
    for (const c of opts.newClasses ?? []) this.kinds.set(c.name.trim().toLowerCase(), c.kind)
    this.create = opts.createClasses ?? true
  }

  /** Kinds a label source declares (our own export's manifest); the import's own newClasses win. */
  declareKinds(kinds: ReadonlyMap<string, ClassKind>): void {
    for (const [name, kind] of kinds) if (!this.kinds.has(name)) this.kinds.set(name, kind)
  }

  /** The class name labels of `name` go to, or null when the mapping drops them. */
  target(name: string): string | null {
    const mapped = this.map.get(name.trim().toLowerCase())
    if (mapped === undefined) return name.trim()
    return mapped === '' ? null : mapped
  }

  /** Call inside the import's transaction: it may create a class. */
  resolve(name: string): Resolved {
    const target = this.target(name)
    if (target === null) return { kind: 'dropped' }
    const existing = this.find(target)
    if (existing) return { kind: 'class', cls: existing, created: false }
    if (!this.create) return { kind: 'unknown', name: target }
    const problem = classNameProblem(target)
    if (problem) return { kind: 'invalid', name: target, problem }
    const { cls, created } = ensureClass(this.ws, target, this.kinds.get(target.toLowerCase()) ?? 'defect')
    return { kind: 'class', cls, created }
  }

  /** How the names found in label files would be resolved, for the preview. */
  uses(found: Map<string, number | undefined>): { classes: ImportClassUse[]; unknown: string[] } {
    const classes: ImportClassUse[] = []
    const unknown = new Map<string, string>()
    for (const [name, labels] of [...found.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const target = this.target(name)
      const exists = target !== null && this.find(target) !== undefined
      if (target !== null && !exists) unknown.set(target.toLowerCase(), target)
      classes.push({ name, ...(labels !== undefined ? { labels } : {}), target: target === null ? null : (this.find(target)?.name ?? target), exists })
    }
    return { classes, unknown: [...unknown.values()] }
  }

  /**
   * Refuses an import whose labels name classes that are neither mapped nor
   * in the workspace, when it may not create them.
   */
  check(found: Map<string, number | undefined>): void {
    if (this.create) return
    const { classes, unknown } = this.uses(found)
    if (unknown.length === 0) return
    throw new StudioError('invalid_argument', unknownClassesMessage(unknown, classes, listClasses(this.ws).map((c) => c.name)))
  }

  private find(name: string): ClassDef | undefined {
    const lower = name.toLowerCase()
    return listClasses(this.ws).find((c) => c.name.toLowerCase() === lower)
  }
}

export function unknownClassesMessage(unknown: string[], uses: ImportClassUse[], existing: string[]): string {
  const counts = new Map<string, number>()
  for (const u of uses) {
    if (u.target !== null && !u.exists && u.labels !== undefined) counts.set(u.target.toLowerCase(), (counts.get(u.target.toLowerCase()) ?? 0) + u.labels)
  }
  const listed = unknown.map((n) => {
    const c = counts.get(n.toLowerCase())
    return c === undefined ? `"${n}"` : `"${n}" (${c} label${c === 1 ? '' : 's'})`
  })
  const example = unknown[0]!
  return (
    `The labels use ${unknown.length === 1 ? 'a class' : 'classes'} this workspace does not have: ${listed.join(', ')}. ` +
    `Map ${unknown.length === 1 ? 'it' : 'them'} to existing classes (--map ${example}=${existing[0] ?? 'fold'}), drop ${unknown.length === 1 ? 'it' : 'them'} (--map ${example}=), ` +
    `or add ${unknown.length === 1 ? 'it' : 'them'} as new classes (--create-classes). Existing classes: ${existing.join(', ') || 'none'}.`
  )
}
