import type { MetricDrop, RegressionCheck } from '../../../shared/contract'
import { normalsRiseText } from '../../../shared/contract/training'
import type { ClassMetrics, EvalReport, GroupMetrics } from '../../../shared/arcd/metrics'

/**
 * Is the candidate worse than the baseline on a metric that matters? Both
 * reports must come from the same frames and labels (see compare.ts), or
 * the answer mixes model and test set. Metrics: overall MIoU, each defect
 * class's pixel AP, and the share of normal frames each defect class's mask
 * shows on (normalsRise). A class the baseline scores but the candidate has no
 * output for counts as a drop of the baseline's whole AP: the new model
 * cannot find it at all. Figures undefined on both sides (no positives in
 * the test frames) are not compared.
 */
export function findRegressions(baseline: EvalReport, candidate: EvalReport, margin: number): RegressionCheck {
  if (!Number.isFinite(margin) || margin < 0) throw new Error(`The regression margin must be a number from 0 to 1, got ${margin}`)
  const drops: MetricDrop[] = []
  const a = baseline.overall.miou
  const b = candidate.overall.miou
  if (a !== null && b !== null && a - b > margin) drops.push({ metric: 'MIoU', a, b, drop: a - b })
  for (const cls of baseline.overall.classes) {
    if (cls.kind !== 'defect' || cls.pixelAp === null) continue
    const other = candidate.overall.classes.find((c) => c.name === cls.name)
    if (!other) {
      if (cls.pixelAp > margin) drops.push({ metric: `${cls.name} pixel AP`, a: cls.pixelAp, b: null, drop: cls.pixelAp })
      continue
    }
    if (other.pixelAp !== null && cls.pixelAp - other.pixelAp > margin) {
      drops.push({ metric: `${cls.name} pixel AP`, a: cls.pixelAp, b: other.pixelAp, drop: cls.pixelAp - other.pixelAp })
    }
    if (other) {
      const rise = normalsRise(baseline.overall, cls, candidate.overall, other, margin)
      if (rise) drops.push({ metric: `${cls.name} normal frames marked`, ...rise, rise: true })
    }
  }
  return { margin, regressed: drops.length > 0, drops }
}

/**
 * A defect class whose mask shows on more of the normal test frames: every
 * one is a false alarm an inspector deletes, and pixel AP hardly moves when
 * a few stray pixels spread over many frames (docs/experiments.md,
 * twenty-fourth measurement). One more frame of a handful is not a trend,
 * so the count must rise by two as well as the share by the margin.
 */
function normalsRise(base: GroupMetrics, a: ClassMetrics, cand: GroupMetrics, b: ClassMetrics, margin: number): { a: number; b: number; drop: number } | null {
  const na = base.images - base.anomalousImages
  const nb = cand.images - cand.anomalousImages
  if (a.normalsMarked === undefined || b.normalsMarked === undefined || na === 0 || nb === 0) return null
  const sa = a.normalsMarked / na
  const sb = b.normalsMarked / nb
  return sb - sa > margin && b.normalsMarked - a.normalsMarked >= MIN_MORE_FRAMES ? { a: sa, b: sb, drop: sb - sa } : null
}

const MIN_MORE_FRAMES = 2

/** "MIoU fell by 0.051 (0.235 -> 0.184); fold pixel AP: no output (was 0.412); edge_crack normal frames marked rose from 5% to 20% of the normal test frames", as the comparison says it. */
export function describeDrops(drops: MetricDrop[]): string {
  return drops
    .map((d) => {
      if (d.b === null) return `${d.metric}: the new model has no output for the class (was ${d.a.toFixed(3)})`
      if (d.rise) return `${d.metric} ${normalsRiseText(d.a, d.b)}`
      return `${d.metric} fell by ${d.drop.toFixed(3)} (${d.a.toFixed(3)} -> ${d.b.toFixed(3)})`
    })
    .join('; ')
}
