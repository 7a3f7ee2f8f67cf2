/**
 * The quality bench's fixed split of magnetic-tile. Pure: no file access, so
 * the unit test can pin it down.
 *
 * Each class (the five defect classes and the normal images) is split on its
 * own: its stems are ordered by SHA-256 of `SPLIT_SALT + stem`, the first 15%
 * (rounded) are test, the next 15% validation, the rest training. Ranking
 * instead of thresholding the hash keeps the shares exact for small classes
 * (Fray has 23 images; a threshold could give it 1 test image or 7). The
 * result depends only on the folder's contents, never on listing order or a
 * seed, so every figure measured on it stays comparable. Changing SPLIT_SALT
 * or the shares makes a new split: give it a new name.
 *
 * Label fractions take a prefix of each class's training stems in the same
 * hash order, so the 30% set lies inside any larger one.
 */
import { createHash } from 'node:crypto'

export const SPLIT_NAME = 'magnetic-tile/quality-v1'
export const SPLIT_SALT = 'defect-studio quality bench v1:'
export const TEST_SHARE = 0.15
export const VAL_SHARE = 0.15

export type SplitName = 'train' | 'val' | 'test'

export function splitKey(stem: string): string {
  return createHash('sha256').update(SPLIT_SALT + stem).digest('hex')
}

function byKey(stems: readonly string[]): string[] {
  return stems
    .map((s) => ({ s, k: splitKey(s) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.s < b.s ? -1 : 1))
    .map((e) => e.s)
}

export interface GroupSplit {
  /** Each list in hash order. */
  train: string[]
  val: string[]
  test: string[]
}

/** Splits one class's stems (duplicates are an error: a stem is one image). */
export function splitGroup(stems: readonly string[]): GroupSplit {
  if (new Set(stems).size !== stems.length) throw new Error('splitGroup: duplicate stems')
  const ordered = byKey(stems)
  const test = Math.round(ordered.length * TEST_SHARE)
  const val = Math.round(ordered.length * VAL_SHARE)
  return { test: ordered.slice(0, test), val: ordered.slice(test, test + val), train: ordered.slice(test + val) }
}

/** Splits every group (class name -> stems). */
export function splitAll(groups: ReadonlyMap<string, readonly string[]>): Map<string, GroupSplit> {
  const out = new Map<string, GroupSplit>()
  for (const [name, stems] of [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out.set(name, splitGroup(stems))
  return out
}

/** The first round(share x n) training stems of a class (at least one when it has any). */
export function labelFraction(train: readonly string[], share: number): string[] {
  if (!(share > 0 && share <= 1)) throw new Error(`label fraction must be in (0, 1], got ${share}`)
  if (train.length === 0) return []
  return train.slice(0, Math.max(1, Math.round(train.length * share)))
}
