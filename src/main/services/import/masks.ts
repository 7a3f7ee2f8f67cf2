import { existsSync, readFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { walkImages } from './walk'

/** Mask files by the image they belong to: by relative path without extension, then by bare stem. */
export interface MaskIndex {
  byRelStem: Map<string, string>
  byStem: Map<string, string>
  folder: string
}

const SUFFIX = /[_-](mask|label|gt|labels)$/i

function stemOf(rel: string): string {
  return basename(rel, extname(rel)).replace(SUFFIX, '')
}

export async function indexMasks(folder: string): Promise<MaskIndex> {
  const { files, unreadable } = await walkImages(folder)
  if (unreadable.some((u) => u.path === '.')) throw new Error(`mask folder ${folder} is not readable`)
  const byRelStem = new Map<string, string>()
  const byStem = new Map<string, string>()
  for (const rel of files) {
    const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : ''
    byRelStem.set(dir + stemOf(rel), join(folder, rel))
    if (!byStem.has(stemOf(rel))) byStem.set(stemOf(rel), join(folder, rel))
  }
  return { byRelStem, byStem, folder }
}

export function findMask(index: MaskIndex, imageRel: string): string | undefined {
  const dir = imageRel.includes('/') ? imageRel.slice(0, imageRel.lastIndexOf('/') + 1) : ''
  const stem = basename(imageRel, extname(imageRel))
  return index.byRelStem.get(dir + stem) ?? index.byStem.get(stem)
}

/**
 * Class names for mask values, from the mask folder's classes.txt (line k
 * names value k; line 0 is the background) when there is one.
 */
export function readClassesTxt(folder: string): string[] | null {
  const file = join(folder, 'classes.txt')
  if (!existsSync(file)) return null
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  return lines
}
