import { existsSync, readFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { walkImages } from './walk'

/**
 * Mask files by the image they belong to: by relative path without
 * extension; by bare stem only when the stem names one mask and one image
 * (a flat mask folder beside nested images), never one mask for two images.
 */
export interface MaskIndex {
  byRelStem: Map<string, string>
  byStem: Map<string, string>
  /** Stems more than one mask file has: never matched by name alone. */
  sharedMaskStems: Set<string>
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
  const sharedMaskStems = new Set<string>()
  for (const rel of files) {
    const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : ''
    byRelStem.set(dir + stemOf(rel), join(folder, rel))
    if (byStem.has(stemOf(rel))) sharedMaskStems.add(stemOf(rel))
    else byStem.set(stemOf(rel), join(folder, rel))
  }
  return { byRelStem, byStem, sharedMaskStems, folder }
}

export type MaskMatch = { file: string } | { ambiguous: string } | null

/**
 * The mask of an image. `imageStemCount` says how many images of the import
 * share the image's bare stem: a mask found by name alone is applied only
 * when that is one, and the mask's stem is unique too.
 */
export function findMask(index: MaskIndex, imageRel: string, imageStemCount = 1): MaskMatch {
  const dir = imageRel.includes('/') ? imageRel.slice(0, imageRel.lastIndexOf('/') + 1) : ''
  const stem = basename(imageRel, extname(imageRel))
  const exact = index.byRelStem.get(dir + stem)
  if (exact) return { file: exact }
  const byName = index.byStem.get(stem)
  if (!byName) return null
  if (imageStemCount > 1) return { ambiguous: `${imageStemCount} images are named ${stem}.*` }
  if (index.sharedMaskStems.has(stem)) return { ambiguous: `several masks are named ${stem}.*` }
  return { file: byName }
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
