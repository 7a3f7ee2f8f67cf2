/** Scoring a model on frames during training: tiled predictions, the evaluator, validation frames and thresholds. */
import { SegmentationEvaluator, normalImages, type EvalReport } from '../../shared/arcd/metrics'
import { frameCapSorted } from '../../shared/arcd/ranking'
import { thresholdText } from '../../shared/arcd/thresholdText'
import type { ClassSpec, DatasetItem } from '../../shared/arcd/protocol'
import { tileStarts } from '../data/crops'
import { predictFrameTiled, reconstructFrame, tileGeometry, tileSide, type TiledPrediction } from '../infer/tiles'
import { CancelledError, badInput, log, yieldToEventLoop, type JobContext } from '../jobs/context'
import { streamRng } from './streams'
import type { ReconCache } from './reconCache'
import { timed } from './tileBudget'
import { tileSetupOf, type TileRun } from './tileContext'
import type { TileFrame } from './tileData'
import { finalSeconds, MIN_NORMAL_FRAMES_TO_CAP, type FrameSize, type ValCosts } from './valSelection'

/** Training frames used per class when validation has no positives of it. */
const MAX_FALLBACK_FRAMES = 24
/**
 * Most background a class's threshold may flag on the frames it was chosen
 * on. Best F1 for a class the model has not learnt (AP near its prevalence)
 * sits under the background level and flags most of every frame: a review
 * queue full of it is worse than a class that flags little.
 */
export const MAX_BACKGROUND_SHARE = 0.01

export function defectChannels(classes: ClassSpec[]): number[] {
  const d = classes.flatMap((cl, i) => (cl.kind === 'defect' ? [i] : []))
  return d.length > 0 ? d : classes.map((_, i) => i)
}

export function frameSizeOf(c: TileRun, f: TileFrame): FrameSize {
  // A pass costs what its tiles' pixels cost, overlaps included.
  const g = tileGeometry(c.spec.arch, c.model)
  const { width: W, height: H } = f.frame
  const tw = tileSide(W, g)
  const th = tileSide(H, g)
  return { pixels: W * H, tilePixels: tw * th * tileStarts(W, tw, c.model.tileOverlap).length * tileStarts(H, th, c.model.tileOverlap).length }
}

/**
 * What validation costs a frame, timed on `probe` (a full pass costs minutes
 * on a CPU): ARCD's whole-frame reconstruction, one plain pass of the
 * discriminative net, and scoring the maps. `passPixels`: the pixels of the
 * frames a pass may read, which sorting's per-pixel cost grows with. The
 * reconstructions made are returned for the cache.
 */
export async function probeValCosts(c: TileRun, probe: TileFrame[], passPixels: number): Promise<{ costs: ValCosts; recons: ReconCache }> {
  const recons: ReconCache = new Map()
  const setup = { ...tileSetupOf(c), flips: false }
  let reconSec = 0
  let discSec = 0
  let pixels = 0
  let tilePixels = 0
  const preds: TiledPrediction[] = []
  for (const f of probe) {
    if (c.ctx.isCancelled()) throw new CancelledError()
    const size = frameSizeOf(c, f)
    pixels += size.pixels
    tilePixels += size.tilePixels
    let recon: Uint8Array | undefined
    if (c.spec.arch === 'arcd') {
      const r = await timed(() => reconstructFrame(setup, f.frame))
      recon = r.value
      recons.set(f, recon)
      reconSec += r.seconds
    }
    const p = await timed(() => predictFrameTiled(setup, f.frame, recon))
    preds.push(p.value)
    discSec += p.seconds
    await yieldToEventLoop()
  }
  const scoring = timeScoring(c.classes, probe, preds)
  // Sorting n values costs n log n: per pixel, a pass sorts more than the probe did.
  const sortScale = pixels > 1 ? Math.max(1, Math.log2(Math.max(passPixels, pixels)) / Math.log2(pixels)) : 1
  const per = (sec: number, n: number) => (n > 0 ? sec / n : 0)
  return {
    costs: {
      reconPerPixel: per(reconSec, pixels),
      discPerTilePixel: per(discSec, tilePixels),
      roundScorePerPixel: per(scoring.round * sortScale, pixels),
      finalScorePerPixel: per(scoring.final * sortScale, pixels)
    },
    recons
  }
}

/**
 * Seconds the evaluator takes over these predictions as a validation round
 * scores them (add, report) and as the final pass does (add, thresholds;
 * add again at the chosen thresholds, report).
 */
function timeScoring(classes: ClassSpec[], frames: TileFrame[], preds: TiledPrediction[]): { round: number; final: number } {
  const ev = new SegmentationEvaluator(classes, Object.fromEntries(classes.map((cl) => [cl.name, 0.5])))
  const t0 = performance.now()
  frames.forEach((f, i) => addTiledToEvaluator(ev, f, preds[i]!, isAnomalousFrame(f, classes)))
  const t1 = performance.now()
  ev.thresholdChoices(Number.NaN, MAX_BACKGROUND_SHARE)
  const t2 = performance.now()
  ev.report()
  const t3 = performance.now()
  const add = t1 - t0
  return { round: (add + t3 - t2) / 1000, final: (2 * add + t3 - t1) / 1000 }
}

/**
 * Tiled predictions for frames (the model's current weights), reading the
 * run's cached reconstructions where it has them. By default the maps are
 * made as inference makes them (mirrored or not), so thresholds and reports
 * read the same maps; `flips` overrides it for quick validation rounds.
 */
export async function predictFrames(c: TileRun, frames: TileFrame[], flips?: boolean): Promise<TiledPrediction[]> {
  const base = tileSetupOf(c)
  const setup = flips === undefined ? base : { ...base, flips }
  const out: TiledPrediction[] = []
  for (const f of frames) {
    if (c.ctx.isCancelled()) throw new CancelledError()
    out.push(await predictFrameTiled(setup, f.frame, c.recons?.get(f)))
    await yieldToEventLoop()
  }
  return out
}

export function addTiledToEvaluator(ev: SegmentationEvaluator, f: { item: DatasetItem; targets: Uint8Array }, p: TiledPrediction, anomalous: boolean): void {
  ev.addImage({
    view: f.item.view,
    probs: p.probs,
    targets: f.targets,
    width: p.width,
    height: p.height,
    anomalous,
    score: p.score,
    ...(p.reconError ? { recon: p.reconError } : {})
  })
}

/** Image-level truth: has a labelled pixel of a defect class (regions never count). */
export function isAnomalousFrame(f: TileFrame, classes: ClassSpec[]): boolean {
  return classes.some((cl, i) => cl.kind === 'defect' && f.centres[i]!.length > 0)
}

/**
 * Raises each defect class's threshold, where needed, to the level at which
 * its mask shows on at most `share` of `ev`'s normal frames, with a warning
 * per class raised. A frame counts as marked when the class's probability
 * reaches the threshold anywhere, whatever the other classes say there, so
 * the masks drawn (one class a pixel) mark no more frames than that.
 */
export function frameCappedThresholds(ev: SegmentationEvaluator, thresholds: Record<string, number>, share: number, warnings: string[]): Record<string, number> {
  const out = { ...thresholds }
  if (!(share >= 0 && share <= 1)) throw badInput(`maxNormalFramesMarked must be between 0 and 1, got ${share}`)
  if (share >= 1) return out
  ev.classes.forEach((cl, i) => {
    const was = out[cl.name]
    if (cl.kind !== 'defect' || was === undefined) return
    const peaks = ev.normalFramePeaks(i)
    if (peaks.length < MIN_NORMAL_FRAMES_TO_CAP) return
    const level = frameCapSorted(peaks, share)
    if (level <= was) return
    out[cl.name] = level
    const reached = peaks.filter((p) => p >= was).length
    const allowed = Math.floor(share * peaks.length)
    warnings.push(
      `${cl.name}: its best-F1 threshold ${thresholdText(was)} would show its mask on ${reached} of the ${peaks.length} validation normal frames; raised to ${thresholdText(level)}, where it shows on at most ${allowed} (the "Normal frames a class may mark" setting, ${Math.round(share * 100)}%)`
    )
  })
  return out
}

/**
 * Best-F1 thresholds of `ev`'s classes (`only`: just these), each capped to
 * MAX_BACKGROUND_SHARE of its background, with a warning per class raised.
 * Classes without positives get `fallback`.
 */
export function cappedThresholds(ev: SegmentationEvaluator, fallback: number, warnings: string[], only?: ClassSpec[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, choice] of Object.entries(ev.thresholdChoices(fallback, MAX_BACKGROUND_SHARE))) {
    if (only && !only.some((cl) => cl.name === name)) continue
    out[name] = choice.threshold
    if (choice.uncapped === undefined) continue
    warnings.push(
      `${name}: its best-F1 threshold ${thresholdText(choice.uncapped)} would mark more than ${MAX_BACKGROUND_SHARE * 100}% of the background as ${name} (the model has barely learnt it); raised to ${thresholdText(choice.threshold)}`
    )
  }
  return out
}

/**
 * Both recipes' fallback: thresholds for `missing`, the classes validation
 * has no positives of, from `ev` over labelled training frames, with the
 * run's warning that they are optimistic.
 */
export function takeTrainingThresholds(ev: SegmentationEvaluator, missing: ClassSpec[], thresholds: Record<string, number>, warnings: string[], ctx: JobContext): void {
  // Only the classes taken from here: the others' warnings came from validation.
  const fromTrain = cappedThresholds(ev, 0.5, warnings, missing)
  for (const cl of missing) thresholds[cl.name] = fromTrain[cl.name]!
  const msg = `no labelled validation frames for ${missing.map((cl) => cl.name).join(', ')}: ${missing.length === 1 ? 'its threshold was' : 'their thresholds were'} chosen on training frames (optimistic)`
  warnings.push(msg)
  log(ctx, 'warn', msg)
}

/**
 * A class whose mask shows on more than this share of the validation normal
 * frames gets a warning in the run: pixel figures hide it, and an inspector
 * meets it on most frames (magnetic-tile's Uneven marked 70% of the normal
 * test frames at a best-F1 threshold; docs/experiments.md, twenty-fourth
 * measurement).
 */
export const WARN_NORMAL_FRAMES_MARKED = 0.25
/** Fewer normal frames than this say too little to warn about. */
const MIN_NORMAL_FRAMES_TO_WARN = 4

/** A warning per defect class that marks more than WARN_NORMAL_FRAMES_MARKED of the report's normal frames. */
export function normalFrameWarnings(report: EvalReport): string[] {
  const normals = normalImages(report.overall)
  if (normals < MIN_NORMAL_FRAMES_TO_WARN) return []
  return report.overall.classes.flatMap((m) =>
    m.kind === 'defect' && m.normalsMarked !== undefined && m.normalsMarked > WARN_NORMAL_FRAMES_MARKED * normals
      ? [
          `${m.name}: at its threshold ${thresholdText(m.threshold)} its mask shows on ${m.normalsMarked} of the ${normals} validation normal frames, so expect false alarms; raise its threshold on the Review page, or label more ${m.name} and normal frames and retrain`
        ]
      : []
  )
}

/** The chosen thresholds, one log line. */
export function logThresholds(ctx: JobContext, thresholds: Record<string, number>): void {
  log(ctx, 'info', `thresholds: ${Object.entries(thresholds).map(([k, v]) => `${k} ${thresholdText(v)}`).join(', ')}`)
}

/** normalFrameWarnings of a validation report, into the run's warnings and log. */
export function warnNormalFrames(report: EvalReport, warnings: string[], ctx: JobContext): void {
  for (const w of normalFrameWarnings(report)) {
    warnings.push(w)
    log(ctx, 'warn', w)
  }
}

/**
 * The classes no frame of `valFrames` has labelled (those without
 * positives, whose best-F1 threshold validation cannot give), and the
 * training frames labelled with them that the thresholds fall back to (at
 * most `count`, in a fixed random order). Known before the pass, so stage 2
 * keeps their time too.
 */
export function thresholdFallback(c: TileRun, frames: TileFrame[], valFrames: TileFrame[], count: number): { missing: ClassSpec[]; picked: TileFrame[] } {
  const { classes } = c
  const missing = classes.filter((_, ci) => !valFrames.some((f) => f.centres[ci]!.length > 0))
  if (missing.length === 0) return { missing, picked: [] }
  const pool = frames.filter((f) => f.item.split === 'train' && missing.some((cl) => f.centres[classes.indexOf(cl)]!.length > 0))
  return { missing, picked: streamRng(c.train.seed, 41).sample(pool, Math.min(count, MAX_FALLBACK_FRAMES, pool.length)) }
}

/**
 * What the final pass will cost: `finalFrames` (their reconstructions made
 * unless `cached`) and the training frames the thresholds fall back to,
 * with the scoring share of it.
 */
export function finalPassEstimate(
  c: TileRun,
  costs: ValCosts,
  o: { frames: TileFrame[]; finalFrames: TileFrame[]; cached: Set<TileFrame>; flips: boolean; fallbackFrames: number }
): { seconds: number; scoring: number; fallbackFrames: number } {
  const fallback = thresholdFallback(c, o.frames, o.finalFrames, o.fallbackFrames).picked
  let seconds = 0
  let scoring = 0
  for (const f of [...o.finalFrames, ...fallback]) {
    const size = frameSizeOf(c, f)
    seconds += finalSeconds(costs, size, o.flips) - (o.cached.has(f) ? costs.reconPerPixel * size.pixels : 0)
    scoring += costs.finalScorePerPixel * size.pixels
  }
  return { seconds, scoring, fallbackFrames: fallback.length }
}

/**
 * Best-F1 thresholds per class on validation (`valFrames`: the final pass's
 * frames of the run's validation plan, maps mirrored with `o.flips`),
 * training frames for classes validation lacks (at most `o.fallbackFrames`),
 * then capped by the normal frames they would mark.
 */
export async function chooseThresholds(
  c: TileRun,
  frames: TileFrame[],
  valFrames: TileFrame[],
  o: { flips?: boolean; fallbackFrames?: number } = {}
): Promise<{ thresholds: Record<string, number>; valReport: EvalReport | null; method: string }> {
  const { classes, ctx } = c
  const started = performance.now()
  const thresholds: Record<string, number> = {}
  const probe = new SegmentationEvaluator(classes, Object.fromEntries(classes.map((cl) => [cl.name, 0.5])))
  const valPreds = await predictFrames(c, valFrames, o.flips)
  valFrames.forEach((f, i) => addTiledToEvaluator(probe, f, valPreds[i]!, isAnomalousFrame(f, classes)))
  const fromVal = cappedThresholds(probe, Number.NaN, c.warnings)
  const { missing, picked } = thresholdFallback(c, frames, valFrames, o.fallbackFrames ?? MAX_FALLBACK_FRAMES)
  for (const cl of classes) if (Number.isFinite(fromVal[cl.name]!)) thresholds[cl.name] = fromVal[cl.name]!
  let method = missing.length === 0 ? 'best-f1-val' : 'best-f1-val+train'
  if (missing.length > 0) {
    const preds = await predictFrames(c, picked, o.flips)
    const ev = new SegmentationEvaluator(classes, Object.fromEntries(classes.map((cl) => [cl.name, 0.5])))
    picked.forEach((f, i) => addTiledToEvaluator(ev, f, preds[i]!, isAnomalousFrame(f, classes)))
    takeTrainingThresholds(ev, missing, thresholds, c.warnings, ctx)
    if (valFrames.length === 0) method = 'best-f1-train'
  }
  // A run recorded before the setting existed keeps its best-F1 thresholds.
  const share = (c.train as Partial<typeof c.train>).maxNormalFramesMarked ?? 1
  Object.assign(thresholds, frameCappedThresholds(probe, thresholds, share, c.warnings))
  let valReport: EvalReport | null = null
  if (valFrames.length > 0) {
    const ev = new SegmentationEvaluator(classes, thresholds)
    valFrames.forEach((f, i) => addTiledToEvaluator(ev, f, valPreds[i]!, isAnomalousFrame(f, classes)))
    valReport = ev.report()
    warnNormalFrames(valReport, c.warnings, ctx)
  }
  logThresholds(ctx, thresholds)
  // Beside stage 2's planned figure for this pass, so a plan that misjudges it shows in the log.
  const fallbackText = picked.length > 0 ? ` and ${picked.length} training frames` : ''
  log(ctx, 'info', `final pass: ${valFrames.length} validation frames${fallbackText} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return { thresholds, valReport, method }
}
