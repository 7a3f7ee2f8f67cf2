/**
 * The values in one folder of class-index masks, counted for the import
 * dialog's mapping step: pixels and masks per value, over every mask that
 * pairs with an image of the import, or over an evenly spread sample when
 * the folder is too large to read in the time a dialog may wait.
 */
import { readFile } from 'node:fs/promises'
import { basename, extname, relative, resolve } from 'node:path'
import { StudioError, type ImportIssue, type MaskValueMapping } from '../../../shared/contract'
import type { MaskFolderPreview, MaskValueUse } from '../../../shared/contract/namespaces/import'
import { readClassMask } from '../imaging/maskPng'
import { findMask, indexMasks } from '../import/masks'
import { maskFolderNames } from './maskNames'

export interface PreviewLimits {
  /** At most this many masks are decoded per folder. */
  maxMasks: number
  /** Decoding stops after this long (per folder); what was read by then is the sample. */
  maxMs: number
}

export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = { maxMasks: 1500, maxMs: 4000 }

export async function previewMaskFolder(
  folder: string,
  images: readonly string[],
  opts: { maskClasses?: string[] | undefined; valueMap?: MaskValueMapping[] | undefined },
  limits: PreviewLimits,
  issues: ImportIssue[],
  signal?: AbortSignal
): Promise<{ preview: MaskFolderPreview; targets: string[] }> {
  const maskFolder = resolve(folder)
  let index
  try {
    index = await indexMasks(maskFolder)
  } catch (err) {
    throw new StudioError('forbidden', (err as Error).message)
  }
  const stems = new Map<string, number>()
  for (const rel of images) {
    const stem = basename(rel, extname(rel))
    stems.set(stem, (stems.get(stem) ?? 0) + 1)
  }
  const paired: string[] = []
  for (const rel of images) {
    const match = findMask(index, rel, stems.get(basename(rel, extname(rel))) ?? 1)
    if (!match) continue
    if ('ambiguous' in match) issues.push({ path: rel, reason: `no mask at its relative path, and ${match.ambiguous}: no mask will be applied` })
    else paired.push(match.file)
  }

  const pixels = new Float64Array(256)
  const files = new Uint32Array(256)
  const hist = new Uint32Array(256)
  const started = Date.now()
  let read = 0
  let unreadable = 0
  for (const i of spreadOrder(paired.length)) {
    if (signal?.aborted || read + unreadable >= limits.maxMasks || Date.now() - started > limits.maxMs) break
    const file = paired[i]!
    try {
      const mask = await readClassMask(await readFile(file))
      hist.fill(0)
      const data = mask.data
      for (let p = 0; p < data.length; p++) hist[data[p]!]!++
      for (let v = 1; v < 256; v++) {
        if (hist[v] === 0) continue
        pixels[v]! += hist[v]!
        files[v]!++
      }
      read++
    } catch (err) {
      unreadable++
      issues.push({ path: relative(maskFolder, file), reason: (err as Error).message })
    }
  }

  const own = maskFolderNames(maskFolder)
  const given = opts.maskClasses && opts.maskClasses.length > 0 ? ['', ...opts.maskClasses] : null
  const names = given ?? own.names
  const values: MaskValueUse[] = []
  for (let v = 1; v < 256; v++) {
    if (files[v] === 0) continue
    const kind = own.kinds.get(v)
    values.push({ value: v, pixels: pixels[v]!, files: files[v]!, name: names[v] || null, ...(kind ? { kind } : {}) })
  }
  // The names the import would give these values: the mapping's first, then the folder's.
  const entries = (opts.valueMap ?? []).filter((m) => m.masks === undefined || resolve(m.masks) === maskFolder)
  const targets: string[] = []
  for (const u of values) {
    const m = entries.find((e) => e.value === u.value)
    if (m?.skip) continue
    const name = m?.to ?? u.name
    if (name) targets.push(name)
  }
  return {
    preview: {
      folder: maskFolder,
      masks: paired.length,
      read,
      sampled: read + unreadable < paired.length,
      namesFrom: given ? 'maskClasses' : own.from,
      values,
      unreadable
    },
    targets
  }
}

/**
 * 0..n-1 in an order whose every prefix is spread over the whole range
 * (0, n/2, n/4, 3n/4, ...), so stopping at any point leaves an even sample
 * rather than the first folder's masks only.
 */
export function* spreadOrder(n: number): Generator<number> {
  if (n <= 0) return
  let top = 1
  while (top * 2 < n) top *= 2
  for (let i = 0; i < n; i += top) yield i
  for (let step = top / 2; step >= 1; step /= 2) {
    for (let i = step; i < n; i += step * 2) yield i
  }
}
