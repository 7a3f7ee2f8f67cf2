/**
 * Threshold choice for the letterbox recipe, by the crop recipe's rules
 * (src/ml/train/tileValidation.ts), so that comparing the two inputs
 * compares inputs and not threshold rules: best F1 on validation capped at
 * MAX_BACKGROUND_SHARE of a class's background, training frames for a
 * class validation has no positives for (with a warning), then each
 * defect class raised until its mask shows on at most
 * `maxNormalFramesMarked` of the validation normal frames, and a warning
 * per class that still marks more than a quarter of them.
 */
import { SegmentationEvaluator, type EvalReport } from '../../shared/arcd/metrics'
import type { TrainConfig } from '../../shared/arcd/config'
import type { ClassSpec } from '../../shared/arcd/protocol'
import { validRegion } from '../data/letterbox'
import type { Prediction } from '../infer/predictor'
import type { JobContext } from '../jobs/context'
import { isAnomalous, isLabelled, type Sample } from './dataset'
import { cappedThresholds, frameCappedThresholds, logThresholds, takeTrainingThresholds, warnNormalFrames } from './tileValidation'

/** A letterboxed frame and the model's prediction of it, into `ev`. */
export function addToEvaluator(ev: SegmentationEvaluator, s: Sample, p: Prediction, classes: ClassSpec[]): void {
  ev.addImage({
    view: s.item.view,
    probs: p.probs,
    targets: s.targets,
    width: s.box.size,
    height: s.box.size,
    region: validRegion(s.box),
    anomalous: isAnomalous(s.item, classes),
    score: p.score,
    ...(p.reconError ? { recon: p.reconError } : {})
  })
}

export interface Predicted {
  samples: Sample[]
  preds: Prediction[]
}

/**
 * Thresholds from the validation frames' predictions; `labelledTraining`
 * predicts the labelled training frames, asked only when some class needs
 * them. The report is on validation, or on those training frames when
 * validation has no labelled frame.
 */
export async function letterboxThresholds(o: {
  classes: ClassSpec[]
  train: Partial<Pick<TrainConfig, 'maxNormalFramesMarked'>>
  ctx: JobContext
  val: Predicted
  labelledTraining: () => Promise<Predicted>
}): Promise<{ thresholds: Record<string, number>; valReport: EvalReport; method: string; warnings: string[] }> {
  const { classes, ctx } = o
  const half = Object.fromEntries(classes.map((c) => [c.name, 0.5]))
  const evaluate = (d: Predicted, at: Record<string, number>): SegmentationEvaluator => {
    const ev = new SegmentationEvaluator(classes, at)
    d.samples.forEach((s, i) => addToEvaluator(ev, s, d.preds[i]!, classes))
    return ev
  }
  const warnings: string[] = []
  const valLabelled = o.val.samples.some((s) => isLabelled(s.item))
  const probe = o.val.samples.length > 0 ? evaluate(o.val, half) : null
  const fromVal = probe ? cappedThresholds(probe, Number.NaN, warnings) : {}
  const thresholds: Record<string, number> = {}
  for (const c of classes) if (Number.isFinite(fromVal[c.name])) thresholds[c.name] = fromVal[c.name]!
  const missing = classes.filter((c) => !(c.name in thresholds))
  let training: Predicted | null = null
  if (missing.length > 0) {
    training = await o.labelledTraining()
    takeTrainingThresholds(evaluate(training, half), missing, thresholds, warnings, ctx)
  }
  // A run recorded before the setting existed keeps its best-F1 thresholds.
  if (probe) Object.assign(thresholds, frameCappedThresholds(probe, thresholds, o.train.maxNormalFramesMarked ?? 1, warnings))
  const valReport = valLabelled ? evaluate(o.val, thresholds).report() : evaluate(training!, thresholds).report()
  if (valLabelled) warnNormalFrames(valReport, warnings, ctx)
  logThresholds(ctx, thresholds)
  const method = missing.length === 0 ? 'best-f1-val' : valLabelled ? 'best-f1-val+train' : 'best-f1-train'
  return { thresholds, valReport, method, warnings }
}
