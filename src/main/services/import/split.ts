import { SPLITS, SPLIT_RATIOS, type Split } from '../../../shared/domain'

export interface SplitCandidate {
  hash: string
  stratum: string
  /** Frames sharing a group key go to one split; null or absent: the frame stands alone. */
  group?: string | null
  /** Which member's stratum decides a group's split: the lowest rank (a defect class before none), then the lowest hash. */
  rank?: number
}

export type SplitCounts = Record<Split, number>

/**
 * Assigns splits to new images only. A unit is one frame, or all new frames
 * of one split group. Units of a group that already has a split (`known`)
 * join it. The others are taken in content-hash order of their deciding
 * frame, and each goes to the split furthest below its target share in the
 * deciding frame's stratum (view x class), counting what the stratum already
 * has and the unit's frames of that stratum. So the result is the same for
 * the same files, strata stay balanced, a group never straddles splits, and
 * earlier images never move. Without groups this is the plain per-frame rule.
 */
export function assignSplits(
  candidates: SplitCandidate[],
  existing: (stratum: string) => SplitCounts,
  known: (group: string) => Split | undefined = () => undefined
): Map<string, Split> {
  const counts = new Map<string, SplitCounts>()
  const countsOf = (stratum: string): SplitCounts => {
    let c = counts.get(stratum)
    if (!c) counts.set(stratum, (c = { ...existing(stratum) }))
    return c
  }
  const units = new Map<string, SplitCandidate[]>()
  for (const c of candidates) {
    const key = c.group ? `g:${c.group}` : `h:${c.hash}`
    const list = units.get(key) ?? []
    list.push(c)
    units.set(key, list)
  }
  const out = new Map<string, Split>()
  const place = (members: SplitCandidate[], split: Split): void => {
    for (const m of members) {
      countsOf(m.stratum)[split] += 1
      out.set(m.hash, split)
    }
  }
  const fresh: { decider: SplitCandidate; members: SplitCandidate[] }[] = []
  for (const members of units.values()) {
    const group = members[0]!.group
    const joined = group ? known(group) : undefined
    if (joined) place(members, joined)
    else fresh.push({ decider: [...members].sort(byRankThenHash)[0]!, members })
  }
  fresh.sort((a, b) => compareHash(a.decider.hash, b.decider.hash))
  for (const { decider, members } of fresh) {
    place(members, chooseSplit(countsOf(decider.stratum), members.filter((m) => m.stratum === decider.stratum).length))
  }
  return out
}

/** The split furthest below its share once `weight` more frames join a stratum with these counts. */
export function chooseSplit(counts: SplitCounts, weight = 1): Split {
  const n = SPLITS.reduce((s, k) => s + counts[k], 0) + weight
  let best: Split = 'train'
  let bestDeficit = -Infinity
  for (const s of SPLITS) {
    const deficit = SPLIT_RATIOS[s] * n - counts[s]
    if (deficit > bestDeficit + 1e-9) {
      best = s
      bestDeficit = deficit
    }
  }
  return best
}

function compareHash(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function byRankThenHash(a: SplitCandidate, b: SplitCandidate): number {
  return (a.rank ?? 0) - (b.rank ?? 0) || compareHash(a.hash, b.hash)
}
