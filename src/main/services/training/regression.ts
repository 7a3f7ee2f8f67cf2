import type { MetricDrop, RegressionCheck } from '../../../shared/contract'
import type { EvalReport } from '../../../shared/arcd/metrics'

/**
 * Is the candidate worse than the baseline on a metric that matters? Both
 * reports must come from the same frames and labels (see compare.ts), or
 * the answer mixes model and test set. Metrics: overall MIoU and each defect
 * class's pixel AP. A class the baseline scores but the candidate has no
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
  }
  return { margin, regressed: drops.length > 0, drops }
}

/** "MIoU fell by 0.051 (0.235 -> 0.184); fold pixel AP: no output (was 0.412)". */
export function describeDrops(drops: MetricDrop[]): string {
  return drops
    .map((d) => (d.b === null ? `${d.metric}: the new model has no output for the class (was ${d.a.toFixed(3)})` : `${d.metric} fell by ${d.drop.toFixed(3)} (${d.a.toFixed(3)} -> ${d.b.toFixed(3)})`))
    .join('; ')
}
