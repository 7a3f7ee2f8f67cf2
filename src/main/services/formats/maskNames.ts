/**
 * The names a mask folder gives its own values: classes.txt in the folder
 * (line k names value k), else the `classes` of a manifest.json in the folder
 * or the folder above it (our export writes `<out>/manifest.json` beside
 * `<out>/defects/`). The manifest also gives each class's kind, which a
 * classes.txt cannot.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CLASS_KINDS, type ClassKind } from '../../../shared/domain'
import { readClassesTxt } from '../import/masks'

export interface MaskFolderNames {
  /** names[k] names value k; '' or absent: unnamed. */
  names: string[]
  kinds: Map<number, ClassKind>
  from: 'classes.txt' | 'manifest.json' | null
}

export function maskFolderNames(folder: string): MaskFolderNames {
  const manifest = readManifestClasses(folder)
  const kinds = new Map<number, ClassKind>()
  for (const c of manifest ?? []) if (c.kind) kinds.set(c.value, c.kind)
  const txt = readClassesTxt(folder)
  if (txt) return { names: txt, kinds, from: 'classes.txt' }
  if (manifest && manifest.length > 0) {
    const names: string[] = []
    for (const c of manifest) names[c.value] = c.name
    return { names: Array.from(names, (n) => n ?? ''), kinds, from: 'manifest.json' }
  }
  return { names: [], kinds, from: null }
}

interface ManifestClass {
  value: number
  name: string
  kind?: ClassKind
}

/** A manifest that is not ours (or not JSON) names nothing: the folder then needs a mapping like any other. */
function readManifestClasses(folder: string): ManifestClass[] | null {
  for (const file of [join(folder, 'manifest.json'), join(dirname(folder), 'manifest.json')]) {
    if (!existsSync(file)) continue
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { classes?: unknown }
      if (!Array.isArray(parsed.classes)) continue
      const out: ManifestClass[] = []
      for (const c of parsed.classes as Record<string, unknown>[]) {
        const value = c?.value
        const name = c?.name
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 255 || typeof name !== 'string' || !name.trim()) continue
        const kind = CLASS_KINDS.find((k) => k === c.kind)
        out.push({ value, name: name.trim(), ...(kind ? { kind } : {}) })
      }
      return out
    } catch {
      continue
    }
  }
  return null
}
