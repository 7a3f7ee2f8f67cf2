import type { AutoPromoteRecord } from '../../../shared/contract'
import type { EvalReport } from '../../../shared/arcd/metrics'
import type { Workspace } from '../workspace'
import type { Evaluation } from './compare'
import type { LabelState } from './labelState'
import { describeDrops, findRegressions } from './regression'
import { getTrainingSettings } from './trainingSettings'

/**
 * Whether auto-promote may make a finished retrain the active model. Both
 * models are judged on the same current labels (the retrain's own test
 * report was just scored on them; the active model is evaluated on the same
 * state): promoted only when MIoU did not drop and no metric regressed by
 * more than the margin (regression.ts).
 */
export async function judgeRetrain(
  ws: Workspace,
  active: { id: number; runId: number } | null,
  own: EvalReport | null,
  state: LabelState | null,
  evaluateActive: (modelId: number, state: LabelState) => Promise<Evaluation>
): Promise<AutoPromoteRecord> {
  if (!own || !state || own.overall.miou === null) {
    return { promoted: false, reason: 'refused: the run has no test MIoU (no test frame with ground truth), so it cannot be judged', drops: [] }
  }
  if (!active) return { promoted: true, reason: 'promoted: it is the first model', drops: [] }
  let base: EvalReport
  try {
    base = (await evaluateActive(active.id, state)).report
  } catch (err) {
    return { promoted: false, reason: `refused: the active model #${active.id} could not be evaluated on the current labels (${(err as Error).message})`, drops: [] }
  }
  const check = findRegressions(base, own, getTrainingSettings(ws).regressionMargin)
  if (check.regressed) return { promoted: false, reason: `refused, a regression against active model #${active.id}: ${describeDrops(check.drops)}`, drops: check.drops }
  const a = base.overall.miou
  const b = own.overall.miou
  if (a !== null && b < a) {
    return { promoted: false, reason: `refused: MIoU ${b.toFixed(3)} is below the active model's ${a.toFixed(3)} on the same labels (within the margin, so not flagged as a regression)`, drops: [] }
  }
  return { promoted: true, reason: `promoted: MIoU ${b.toFixed(3)} against the active model's ${a === null ? 'n/a' : a.toFixed(3)} on the same labels, no metric worsened by more than ${check.margin}`, drops: [] }
}
