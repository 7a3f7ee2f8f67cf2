/**
 * Evaluation of a model folder on one split: every metric of
 * shared/arcd/metrics (MPA, MIoU, per-class pixel AUROC/AP/IoU, region
 * classes, image AUROC, RA) per view and overall, at the model's thresholds.
 * 'tiles' models are scored at the analysis resolution (native for frames up
 * to maxShortSide) against the labels themselves, rasterised by the one
 * rasteriser: the figures mean what the review and other tools mean.
 * 'letterbox' models (older ones) are scored at model resolution inside the
 * letterboxed frame. Frames neither marked normal nor labelled have no
 * ground truth and are left out.
 */
import type { Split } from '../../shared/domain'
import { SegmentationEvaluator, type EvalReport } from '../../shared/arcd/metrics'
import type { ClassSpec, DatasetItem, EvalJobSpec, EvalResult } from '../../shared/arcd/protocol'
import { DEFAULT_MAX_SHORT_SIDE, inputModeOf } from '../../shared/arcd/config'
import { classMapper, loadAnalysisFrame, rasterizeLabels } from '../data/analysis'
import { predictFrameTiled, tileSetupFor } from '../infer/tiles'
import type { AnalysisCache } from '../train/tileData'
import { addTiledToEvaluator } from '../train/tileValidation'
import { disposeNets, loadModelDir, type LoadedModel } from '../io/modelDir'
import { predictBatch } from '../infer/predictor'
import { batchesOf } from '../train/batches'
import { loadSamples, validateItems, type FrameCache } from '../train/dataset'
import { addToEvaluator } from '../train/letterboxThresholds'
import { CancelledError, badInput, log, yieldToEventLoop, type JobContext } from './context'

const DEFAULT_BATCH = 4

export async function evaluateModel(
  model: LoadedModel,
  items: DatasetItem[],
  ctx: JobContext,
  batchSize = DEFAULT_BATCH,
  frameCache?: FrameCache,
  itemClasses?: ClassSpec[],
  analysisCache?: AnalysisCache
): Promise<EvalReport> {
  const { config } = model
  const classes = config.classes
  const thresholds: Record<string, number> = {}
  for (const c of classes) thresholds[c.name] = model.thresholds.perClass[c.name] ?? 0.5
  const from = itemClasses ?? classes
  validateItems(items, from.length)
  const ev = new SegmentationEvaluator(classes, thresholds)
  const toModel = classMapper(from, classes)
  if (inputModeOf(config.model) === 'tiles') {
    const maxShortSide = config.model.maxShortSide ?? DEFAULT_MAX_SHORT_SIDE
    const setup = tileSetupFor(config.arch, config.model, model.nets, classes, batchSize)
    const started = performance.now()
    for (let i = 0; i < items.length; i++) {
      if (ctx.isCancelled()) throw new CancelledError()
      const item = items[i]!
      const key = `${maxShortSide}:${item.path}`
      let frame = analysisCache?.get(key)
      if (!frame) {
        frame = await loadAnalysisFrame(item.path, maxShortSide, { width: item.width, height: item.height }).catch((err: Error) => {
          throw badInput(`image ${String(item.id)}: ${err.message}`)
        })
        analysisCache?.set(key, frame)
      }
      const targets = rasterizeLabels(item, frame, classes.length, toModel)
      const anomalous = item.polygons.some((p) => from[p.classIndex]?.kind === 'defect')
      addTiledToEvaluator(ev, { item, targets }, await predictFrameTiled(setup, frame), anomalous)
      const secs = (performance.now() - started) / 1000
      const ips = secs > 0 ? (i + 1) / secs : 0
      ctx.emit({ type: 'progress', jobId: ctx.jobId, stage: 'eval', epoch: 0, epochs: 0, step: i + 1, steps: items.length, loss: null, imagesPerSec: ips, etaSec: ips > 0 ? (items.length - i - 1) / ips : null })
      await yieldToEventLoop()
    }
    return ev.report()
  }
  const scored = from === classes ? items : items.map((it) => ({ ...it, polygons: it.polygons.flatMap((p) => (toModel(p.classIndex) < 0 ? [] : [{ ...p, classIndex: toModel(p.classIndex) }])) }))
  const setup = { arch: config.arch, nets: model.nets, classes, size: config.model.size }
  const started = performance.now()
  let done = 0
  for (const chunk of batchesOf(scored, batchSize)) {
    if (ctx.isCancelled()) throw new CancelledError()
    const samples = await loadSamples(chunk, config.model.size, classes.length, ctx, frameCache)
    const preds = await predictBatch(setup, samples.map((s) => s.image))
    samples.forEach((s, i) => addToEvaluator(ev, s, preds[i]!, classes))
    done += chunk.length
    const secs = (performance.now() - started) / 1000
    const ips = secs > 0 ? done / secs : 0
    ctx.emit({
      type: 'progress',
      jobId: ctx.jobId,
      stage: 'eval',
      epoch: 0,
      epochs: 0,
      step: done,
      steps: items.length,
      loss: null,
      imagesPerSec: ips,
      etaSec: ips > 0 ? (items.length - done) / ips : null
    })
    await yieldToEventLoop()
  }
  return ev.report()
}

export async function runEval(spec: EvalJobSpec, ctx: JobContext): Promise<EvalResult> {
  const split: Split = spec.split ?? 'test'
  if (!['train', 'val', 'test'].includes(split)) throw badInput(`unknown split ${JSON.stringify(split)}`)
  if (!Array.isArray(spec.images)) throw badInput('images must be an array')
  const inSplit = spec.images.filter((it) => it.split === split)
  const items = inSplit.filter((it) => it.normal || it.polygons.length > 0)
  if (inSplit.length > items.length) {
    log(ctx, 'info', `${inSplit.length - items.length} ${split} frames are neither normal nor labelled; left out`)
  }
  if (items.length === 0) throw badInput(`no normal or labelled frames in the ${split} split`)
  const model = await loadModelDir(spec.modelDir).catch((err: Error) => {
    throw badInput(err.message)
  })
  try {
    if (!model.nets.disc) throw badInput(`${spec.modelDir} has no discriminative network (only stage 1 was trained)`)
    const report = await evaluateModel(model, items, ctx, spec.batchSize ?? DEFAULT_BATCH, undefined, spec.classes)
    return { kind: 'eval', modelDir: spec.modelDir, split, report }
  } finally {
    disposeNets(model.nets)
  }
}
