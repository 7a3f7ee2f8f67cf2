/**
 * The import dialog's mapping step as data: one row per mask value (per mask
 * folder) and per label name the preview found, each sent to an existing
 * class, a new class or nowhere, and the import arguments that mapping makes.
 * Nothing is guessed: a value without a name starts unmapped, and the import
 * waits until every row has a choice.
 */
import type { ClassDef, ClassMapping, ImportOptions, MaskValueMapping, NewImportClass } from '../../../shared/contract'
import type { ImportPreviewResult } from '../../../shared/contract/namespaces/import'
import { classNameProblem } from '../../../shared/classNames'
import type { ClassKind } from '../../../shared/domain'

export type Choice = { kind: 'existing'; classId: number } | { kind: 'new'; name: string; classKind: ClassKind } | { kind: 'skip' } | null

export interface MappingRow {
  key: string
  source: 'mask' | 'label'
  /** Mask folder (absolute) of a mask value. */
  folder?: string
  value?: number
  /** The name the data gives it (classes.txt, a label file), if any. */
  name: string | null
  /** Pixels (mask values) or shapes (label names). */
  amount: number
  files: number
  choice: Choice
}

/** Rows for a preview, each pre-filled from the name the data gives it (an existing class of that name, else a new one), or left open. */
export function rowsFromPreview(preview: ImportPreviewResult, classes: readonly ClassDef[], previous?: readonly MappingRow[]): MappingRow[] {
  const kept = new Map<string, Choice>()
  for (const r of previous ?? []) if (r.choice) kept.set(r.key, keptChoice(r.choice, classes))
  const rows: MappingRow[] = []
  for (const f of preview.maskFolders) {
    for (const v of f.values) {
      const key = `mask:${f.folder}:${v.value}`
      rows.push({ key, source: 'mask', folder: f.folder, value: v.value, name: v.name, amount: v.pixels, files: v.files, choice: kept.get(key) ?? prefill(v.name, v.kind, classes) })
    }
  }
  for (const n of preview.labelNames) {
    const key = `label:${n.name}`
    rows.push({ key, source: 'label', name: n.name, amount: n.shapes, files: n.files, choice: kept.get(key) ?? prefill(n.name, undefined, classes) })
  }
  return rows
}

/** A choice made before, still valid: a new class that exists by now (an earlier import made it) becomes that class. */
function keptChoice(choice: NonNullable<Choice>, classes: readonly ClassDef[]): Choice {
  if (choice.kind === 'new') {
    const existing = findClass(classes, choice.name)
    if (existing) return { kind: 'existing', classId: existing.id }
  }
  if (choice.kind === 'existing' && !classes.some((c) => c.id === choice.classId)) return null
  return choice
}

function prefill(name: string | null, kind: ClassKind | undefined, classes: readonly ClassDef[]): Choice {
  if (!name) return null
  const existing = findClass(classes, name)
  if (existing) return { kind: 'existing', classId: existing.id }
  return { kind: 'new', name, classKind: kind ?? 'defect' }
}

function findClass(classes: readonly ClassDef[], name: string): ClassDef | undefined {
  const lower = name.trim().toLowerCase()
  return classes.find((c) => c.name.toLowerCase() === lower)
}

/** Why the import cannot start with this mapping yet; empty when it can. */
export function mappingProblems(rows: readonly MappingRow[], classes: readonly ClassDef[]): string[] {
  const problems: string[] = []
  const open = rows.filter((r) => r.choice === null)
  if (open.length > 0) {
    const masks = open.filter((r) => r.source === 'mask').map((r) => r.value)
    const names = open.filter((r) => r.source === 'label').map((r) => `"${r.name}"`)
    const parts = [
      ...(masks.length ? [`mask value${masks.length === 1 ? '' : 's'} ${masks.join(', ')}`] : []),
      ...(names.length ? [`label name${names.length === 1 ? '' : 's'} ${names.join(', ')}`] : [])
    ]
    problems.push(`Choose a class or Skip for ${parts.join(' and ')}`)
  }
  const kinds = new Map<string, ClassKind>()
  for (const r of rows) {
    const c = r.choice
    if (c?.kind === 'existing' && !classes.some((k) => k.id === c.classId)) problems.push(`The class chosen for ${rowLabel(r)} no longer exists`)
    if (c?.kind !== 'new') continue
    const name = c.name.trim()
    const problem = name ? classNameProblem(name) : 'the new class needs a name'
    if (problem) {
      problems.push(`${rowLabel(r)}: ${problem}`)
      continue
    }
    if (findClass(classes, name)) problems.push(`${rowLabel(r)}: a class named "${name}" exists already; pick it from the list`)
    const lower = name.toLowerCase()
    const seen = kinds.get(lower)
    if (seen && seen !== c.classKind) problems.push(`New class "${name}" is given both kinds (defect and region); give it one`)
    kinds.set(lower, c.classKind)
  }
  return problems
}

export function rowLabel(r: MappingRow): string {
  return r.source === 'mask' ? `mask value ${r.value}` : `label "${r.name}"`
}

/** The import arguments the mapping adds: valueMap for mask values, classMap for label names, and the kinds of the new classes. */
export function mappingOptions(rows: readonly MappingRow[], classes: readonly ClassDef[]): Pick<ImportOptions, 'valueMap' | 'classMap' | 'newClasses'> {
  const valueMap: MaskValueMapping[] = []
  const classMap: ClassMapping[] = []
  const newClasses = new Map<string, NewImportClass>()
  const target = (c: NonNullable<Choice>): string | null => {
    if (c.kind === 'skip') return null
    if (c.kind === 'existing') return classes.find((k) => k.id === c.classId)?.name ?? null
    const name = c.name.trim()
    if (!newClasses.has(name.toLowerCase())) newClasses.set(name.toLowerCase(), { name, kind: c.classKind })
    return name
  }
  for (const r of rows) {
    if (!r.choice) continue
    const to = target(r.choice)
    if (r.source === 'mask') valueMap.push(to === null ? { masks: r.folder!, value: r.value!, skip: true } : { masks: r.folder!, value: r.value!, to })
    else classMap.push({ from: r.name!, to: to ?? '' })
  }
  return {
    ...(valueMap.length ? { valueMap } : {}),
    ...(classMap.length ? { classMap } : {}),
    ...(newClasses.size ? { newClasses: [...newClasses.values()] } : {})
  }
}
