import { SPLITS, SPLIT_RATIOS, type Split } from '../../../shared/domain'

export interface SplitCandidate {
  hash: string
  stratum: string
}

/**
 * Assigns splits to new images only. Within each stratum (view x class) the
 * new images are taken in content-hash order and each goes to the split
 * furthest below its target share, counting the images the stratum already
 * has. So the result is the same for the same files, strata stay balanced,
 * and earlier images never move.
 */
export function assignSplits(
  candidates: SplitCandidate[],
  existing: (stratum: string) => Record<Split, number>
): Map<string, Split> {
  const byStratum = new Map<string, SplitCandidate[]>()
  for (const c of candidates) {
    const list = byStratum.get(c.stratum) ?? []
    list.push(c)
    byStratum.set(c.stratum, list)
  }
  const out = new Map<string, Split>()
  for (const [stratum, list] of byStratum) {
    const counts = { ...existing(stratum) }
    list.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
    for (const c of list) {
      const n = SPLITS.reduce((s, k) => s + counts[k], 0) + 1
      let best: Split = 'train'
      let bestDeficit = -Infinity
      for (const s of SPLITS) {
        const deficit = SPLIT_RATIOS[s] * n - counts[s]
        if (deficit > bestDeficit + 1e-9) {
          best = s
          bestDeficit = deficit
        }
      }
      counts[best] += 1
      out.set(c.hash, best)
    }
  }
  return out
}
