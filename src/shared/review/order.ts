/**
 * The review queue's order: what most needs a human comes first.
 *
 * Only defect classes count (a region such as the lathe bed is context, not
 * a finding), and only the classes the reviewer filtered on when a class
 * filter is set. Frames fall into tiers, in this order:
 *
 * 1. 'fp', false-positive evidence: predicted defect pixels outside every
 *    label of their class. Frames marked normal come first, by their score
 *    (an inspector called them defect-free and the model fires anyway), then
 *    the others by the share of the frame predicted outside the labels, then
 *    by score.
 * 2. 'missed': labelled pixels the model did not predict, by the share of
 *    the labelled pixels missed, then by missed pixels.
 * 3. 'uncertain': a class's highest probability within UNCERTAIN_MARGIN of
 *    its threshold (either side), nearest first.
 * 4. 'rest', by score, highest first.
 *
 * Ties go by image id, so the order is the same on every call.
 */
import type { PixelCounts } from './histogram'

export const UNCERTAIN_MARGIN = 0.1

export type ReviewTier = 'fp' | 'missed' | 'uncertain' | 'rest'
export const REVIEW_TIERS: readonly ReviewTier[] = ['fp', 'missed', 'uncertain', 'rest']

export interface EvidenceClass {
  kind: 'defect' | 'region'
  counts: PixelCounts
  /** Highest probability of the class on the frame. */
  maxProb: number
  threshold: number
}

export interface Evidence {
  tier: ReviewTier
  /** Predicted defect pixels outside the labels of their class, over the chosen classes. */
  fpPixels: number
  /** fpPixels over the frame's pixels. */
  fpShare: number
  missedPixels: number
  /** missedPixels over the labelled defect pixels (0 without labels). */
  missedShare: number
  /** Smallest |max probability - threshold| over the chosen classes (Infinity without one). */
  margin: number
  /** The frame's image score (see evidenceOf). */
  score: number
  normal: boolean
}

/**
 * `score`: the frame's image score from the post-processor (imageScore, as the
 * inference stored it); without one, the highest defect probability.
 */
export function evidenceOf(frame: { area: number; normal: boolean; classes: EvidenceClass[]; score?: number | null }): Evidence {
  let fpPixels = 0
  let missedPixels = 0
  let labelled = 0
  let margin = Infinity
  let score = 0
  for (const c of frame.classes) {
    if (c.kind !== 'defect') continue
    fpPixels += c.counts.fp
    missedPixels += c.counts.fn
    labelled += c.counts.tp + c.counts.fn
    margin = Math.min(margin, Math.abs(c.maxProb - c.threshold))
    score = Math.max(score, c.maxProb)
  }
  const tier: ReviewTier = fpPixels > 0 ? 'fp' : missedPixels > 0 ? 'missed' : margin <= UNCERTAIN_MARGIN ? 'uncertain' : 'rest'
  return {
    tier,
    fpPixels,
    fpShare: frame.area > 0 ? fpPixels / frame.area : 0,
    missedPixels,
    missedShare: labelled > 0 ? missedPixels / labelled : 0,
    margin,
    score: frame.score ?? score,
    normal: frame.normal
  }
}

/** Negative when a should come before b. */
export function compareEvidence(a: Evidence, b: Evidence): number {
  const ta = REVIEW_TIERS.indexOf(a.tier)
  const tb = REVIEW_TIERS.indexOf(b.tier)
  if (ta !== tb) return ta - tb
  const desc = (x: number, y: number): number => (x === y ? 0 : x > y ? -1 : 1)
  switch (a.tier) {
    case 'fp':
      return desc(a.normal ? a.score : -1, b.normal ? b.score : -1) || desc(a.fpShare, b.fpShare) || desc(a.score, b.score)
    case 'missed':
      return desc(a.missedShare, b.missedShare) || desc(a.missedPixels, b.missedPixels)
    case 'uncertain':
      return desc(-a.margin, -b.margin) || desc(a.score, b.score)
    case 'rest':
      return desc(a.score, b.score)
  }
}

/** Sorts in place by evidence, then by id; returns the array. */
export function sortByEvidence<T extends { imageId: number; evidence: Evidence }>(items: T[]): T[] {
  return items.sort((a, b) => compareEvidence(a.evidence, b.evidence) || a.imageId - b.imageId)
}
