/**
 * The review workspace of one open workspace: per-frame statistics kept
 * fresh in the background, and the queue, metrics, maps, verdicts,
 * thresholds and report built on them.
 */
import type {
  ReviewActionResult,
  ReviewFilter,
  ReviewMaps,
  ReviewMetrics,
  ReviewModel,
  ReviewQueue,
  ReviewReport,
  ReviewVerdict,
  ReviewVerdictName,
  Thresholds
} from '../../../shared/contract'
import type { ClassDef } from '../../../shared/domain'
import { listClasses } from '../classes'
import type { EventHub } from '../events'
import type { Workspace } from '../workspace'
import { computeFrameStats, loadFrameStats, predictionStates, saveFrameStats, type FrameStats, type PredictionState } from './frameStats'
import { computeReviewMetrics } from './metrics'
import { effectiveThresholds, listReviewModels, modelClassNames, resolveModel, saveThresholds } from './models'
import { assembleQueue, latestVerdicts, predictedFrames, unpredictedFrameIds } from './queue'
import { writeReviewReport } from './report'
import { prepareServedMaps, readServedMaps } from './servedMaps'
import { applyVerdict, pendingVerdicts, resolveVerdict, undoVerdict } from './verdicts'

/** How long a queue call waits for statistics still being computed before answering with what is ready. */
const QUEUE_WAIT_MS = 1500
/** Frames computed at once (sharp decodes on its own threads). */
const CONCURRENCY = 2
const PROGRESS_EVENT_MS = 500

export interface ReviewScope {
  modelId?: number
  thresholds?: Thresholds
  filter?: ReviewFilter
}

/** What an inference run for the review needs of the ML service (MlService.inferFrames). */
export interface FrameInferrer {
  inferFrames(modelId: number, imageIds: number[]): number
}

interface Refresh {
  queue: Map<number, PredictionState>
  done: Promise<void>
}

export class ReviewService {
  private readonly stats = new Map<number, Map<number, FrameStats>>()
  private readonly refreshes = new Map<number, Refresh>()
  /** Frames whose maps could not be read, by the state that failed, so they are not retried until it changes. */
  private readonly broken = new Map<string, string>()
  private readonly wanted = new Map<number, Map<number, PredictionState>>()

  constructor(
    private readonly ws: Workspace,
    private readonly events: EventHub
  ) {}

  models(): ReviewModel[] {
    return listReviewModels(this.ws)
  }

  async queue(scope: ReviewScope): Promise<ReviewQueue> {
    const model = resolveModel(this.ws, scope.modelId)
    const classes = listClasses(this.ws)
    const thresholds = effectiveThresholds(classes, model.thresholds, scope.thresholds)
    const filter = scope.filter ?? {}
    await this.freshen(model.id, QUEUE_WAIT_MS)
    const stats = this.statsOf(model.id)
    const want = this.wanted.get(model.id) ?? new Map()
    const fresh = (s: FrameStats): boolean => {
      const w = want.get(s.imageId)
      return !w || (w.at === s.predictionAt && w.labelsRev === s.labelsRev)
    }
    const frames = predictedFrames(this.ws, model.id, filter).filter((f) => !this.isBroken(model.id, want.get(f.id)))
    const untrained = this.untrained(model.id, classes, stats)
    // Counts only for the classes the model has outputs for: the others have no map.
    const trained = classes.filter((c) => !untrained.includes(c))
    const q = assembleQueue(frames, stats, fresh, latestVerdicts(this.ws, model.id), trained, thresholds, filter)
    return {
      modelId: model.id,
      thresholds,
      thresholdRevision: model.revision,
      items: q.items,
      counts: q.counts,
      countsByView: q.countsByView,
      pending: q.pending,
      withoutPredictions: unpredictedFrameIds(this.ws, model.id, filter).length,
      inferRunId: this.runningInference(model.id),
      untrainedClassIds: untrained.map((c) => c.id)
    }
  }

  async metrics(scope: ReviewScope): Promise<ReviewMetrics> {
    const q = await this.queue(scope)
    const classes = this.classesWithMaps(q)
    return computeReviewMetrics(q.modelId, q.items, this.statsOf(q.modelId), classes, q.thresholds)
  }

  maps(modelId: number, imageId: number): Promise<ReviewMaps> {
    return readServedMaps(this.ws, modelId, imageId)
  }

  /** Runs the model on the filtered frames that have no prediction of it yet (or on all of them). */
  infer(ml: FrameInferrer, args: { modelId?: number; filter?: ReviewFilter; all?: boolean }): { runId: number | null; frames: number } {
    const model = resolveModel(this.ws, args.modelId)
    const filter = args.filter ?? {}
    // Frames an inference of this model already queued or running covers (a pre-annotation) are not asked for twice.
    const inFlight = new Set(
      (
        this.ws.db
          .prepare("SELECT data_snapshot FROM runs WHERE kind = 'infer' AND state IN ('queued', 'running') AND json_extract(config, '$.modelId') = ?")
          .pluck()
          .all(model.id) as (string | null)[]
      ).flatMap((s) => (s ? ((JSON.parse(s) as { imageIds?: number[] }).imageIds ?? []) : []))
    )
    const ids = (
      args.all
        ? [...unpredictedFrameIds(this.ws, model.id, filter), ...predictedFrames(this.ws, model.id, filter).map((f) => f.id)]
        : unpredictedFrameIds(this.ws, model.id, filter)
    ).filter((id) => !inFlight.has(id))
    if (ids.length === 0) return { runId: null, frames: 0 }
    return { runId: ml.inferFrames(model.id, ids), frames: ids.length }
  }

  setThresholds(modelId: number, thresholds: Thresholds, author: string, note?: string): { modelId: number; revision: number; thresholds: Thresholds } {
    const saved = saveThresholds(this.ws, modelId, thresholds, author, note)
    this.events.emit('workspace.changed', { what: 'runs' })
    return { modelId, ...saved }
  }

  async verdict(
    args: { imageId: number; modelId?: number; verdict: ReviewVerdictName; classId?: number; note?: string; thresholds?: Thresholds },
    author: string
  ): Promise<ReviewActionResult> {
    const model = resolveModel(this.ws, args.modelId)
    const thresholds = effectiveThresholds(listClasses(this.ws), model.thresholds, args.thresholds)
    const result = await applyVerdict(
      this.ws,
      {
        imageId: args.imageId,
        modelId: model.id,
        verdict: args.verdict,
        thresholds,
        ...(args.classId !== undefined ? { classId: args.classId } : {}),
        ...(args.note !== undefined ? { note: args.note } : {})
      },
      author
    )
    await this.changed(model.id, args.imageId, result)
    return result
  }

  async undoVerdict(verdictIds: number[], author: string): Promise<ReviewActionResult> {
    const result = undoVerdict(this.ws, verdictIds, author)
    const modelId = result.verdicts[0]?.modelId
    await this.changed(modelId ?? null, result.verdicts[0]!.imageId, result)
    return result
  }

  pendingVerdicts(imageId: number): ReviewVerdict[] {
    return pendingVerdicts(this.ws, imageId)
  }

  async resolveVerdict(verdictId: number, action: 'confirm' | 'dismiss', author: string): Promise<ReviewActionResult> {
    const result = await resolveVerdict(this.ws, verdictId, action, author)
    const v = result.verdicts[0]!
    await this.changed(v.modelId, v.imageId, result)
    return result
  }

  /** After a verdict: the frame's labels changed, so it is counted again now and the queue answers with it at once. */
  private async changed(modelId: number | null, imageId: number, result: ReviewActionResult): Promise<void> {
    if (result.labelsAdded !== 0) {
      if (modelId !== null) await this.recompute(modelId, imageId)
      this.events.emit('workspace.changed', { what: 'labels' })
    }
    // A verdict's state shows in the queue; a status may have changed.
    this.events.emit('workspace.changed', { what: 'images' })
  }

  async report(scope: ReviewScope & { worst?: number }): Promise<ReviewReport> {
    const queue = await this.queue(scope)
    const classes = this.classesWithMaps(queue)
    const metrics = computeReviewMetrics(queue.modelId, queue.items, this.statsOf(queue.modelId), classes, queue.thresholds)
    return writeReviewReport({
      ws: this.ws,
      model: resolveModel(this.ws, queue.modelId),
      queue,
      metrics,
      classes,
      filterText: describeFilter(scope.filter ?? {}, listClasses(this.ws)),
      ...(scope.worst !== undefined ? { worst: scope.worst } : {})
    })
  }

  /** Resolves once every frame of the model that is stale now has been counted (tests, the CLI). */
  async settled(modelId: number): Promise<void> {
    await this.freshen(modelId, Infinity)
  }

  // ---------------------------------------------------------------- statistics

  /**
   * The classes metrics are computed over: those the model has outputs for,
   * in workspace order. Labels of the others are left out, as the evaluation
   * leaves them out, so MPA/MIoU compare with the run's test report.
   */
  private classesWithMaps(q: ReviewQueue): ClassDef[] {
    const untrained = new Set(q.untrainedClassIds)
    return listClasses(this.ws).filter((c) => !untrained.has(c.id))
  }

  /** Workspace classes the model has no output for: per its config, else those no counted frame has a map of. */
  private untrained(modelId: number, classes: ClassDef[], stats: ReadonlyMap<number, FrameStats>): ClassDef[] {
    const names = modelClassNames(this.ws, modelId)
    if (names) {
      const trained = new Set(names.map((n) => n.toLowerCase()))
      return classes.filter((c) => !trained.has(c.name.toLowerCase()))
    }
    if (stats.size === 0) return []
    const mapped = new Set([...stats.values()].flatMap((s) => [...s.hists.keys()]))
    return classes.filter((c) => !mapped.has(c.id))
  }

  private statsOf(modelId: number): Map<number, FrameStats> {
    let m = this.stats.get(modelId)
    if (!m) this.stats.set(modelId, (m = loadFrameStats(this.ws, modelId)))
    return m
  }

  private isBroken(modelId: number, state: PredictionState | undefined): boolean {
    return !!state && this.broken.get(`${modelId}:${state.imageId}`) === `${state.at}|${state.labelsRev}`
  }

  /** Finds frames whose statistics are missing or stale, computes them in the background, waits up to waitMs. */
  private async freshen(modelId: number, waitMs: number): Promise<void> {
    const stats = this.statsOf(modelId)
    const states = predictionStates(this.ws, modelId)
    this.wanted.set(modelId, new Map(states.map((s) => [s.imageId, s])))
    const stale = states.filter((s) => {
      if (!s.mapsPath || this.isBroken(modelId, s)) return false
      const have = stats.get(s.imageId)
      return !have || have.predictionAt !== s.at || have.labelsRev !== s.labelsRev
    })
    if (stale.length === 0 && !this.refreshes.has(modelId)) return
    let r = this.refreshes.get(modelId)
    if (r) for (const s of stale) r.queue.set(s.imageId, s)
    else {
      const queue = new Map(stale.map((s) => [s.imageId, s]))
      r = { queue, done: this.drain(modelId, queue).finally(() => this.refreshes.delete(modelId)) }
      this.refreshes.set(modelId, r)
    }
    if (waitMs === Infinity) await r.done
    else await Promise.race([r.done, new Promise((ok) => setTimeout(ok, waitMs))])
  }

  private async drain(modelId: number, queue: Map<number, PredictionState>): Promise<void> {
    const classes = listClasses(this.ws)
    let lastEvent = Date.now()
    let computed = 0
    const worker = async (): Promise<void> => {
      while (queue.size > 0 && this.ws.db.open) {
        const [imageId, state] = queue.entries().next().value as [number, PredictionState]
        queue.delete(imageId)
        try {
          const s = await computeFrameStats(this.ws, { modelId, imageId, mapsPath: state.mapsPath!, at: state.at, runId: state.runId }, classes)
          // Before the frame joins the queue, so its first visit is as quick as the next.
          await prepareServedMaps(this.ws, modelId, imageId)
          if (!this.ws.db.open) return
          // Labels may have changed while the maps were read: keep what was counted, the next call sees it stale.
          saveFrameStats(this.ws, modelId, s)
          this.statsOf(modelId).set(imageId, s)
          computed++
        } catch (err) {
          if (!this.ws.db.open) return
          this.broken.set(`${modelId}:${imageId}`, `${state.at}|${state.labelsRev}`)
          console.warn(`Defect Studio review: cannot read the maps of frame ${imageId} (model ${modelId}): ${(err as Error).message}`)
        }
        if (Date.now() - lastEvent > PROGRESS_EVENT_MS) {
          lastEvent = Date.now()
          this.events.emit('workspace.changed', { what: 'predictions' })
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    if (computed > 0 && this.ws.db.open) this.events.emit('workspace.changed', { what: 'predictions' })
  }

  private async recompute(modelId: number, imageId: number): Promise<void> {
    const state = predictionStates(this.ws, modelId).find((s) => s.imageId === imageId)
    if (!state?.mapsPath) return
    const s = await computeFrameStats(this.ws, { modelId, imageId, mapsPath: state.mapsPath, at: state.at, runId: state.runId }, listClasses(this.ws))
    saveFrameStats(this.ws, modelId, s)
    this.statsOf(modelId).set(imageId, s)
    this.wanted.get(modelId)?.set(imageId, state)
  }

  private runningInference(modelId: number): number | null {
    return (
      (this.ws.db
        .prepare("SELECT id FROM runs WHERE kind = 'infer' AND state IN ('queued', 'running') AND json_extract(config, '$.modelId') = ? ORDER BY id DESC LIMIT 1")
        .pluck()
        .get(modelId) as number | undefined) ?? null
    )
  }
}

function describeFilter(f: ReviewFilter, classes: ClassDef[]): string {
  const parts: string[] = []
  if (f.views?.length) parts.push(`views ${f.views.join(', ')}`)
  if (f.splits?.length) parts.push(`splits ${f.splits.join(', ')}`)
  if (f.statuses?.length) parts.push(`status ${f.statuses.join(', ')}`)
  if (f.classIds?.length) parts.push(`classes ${f.classIds.map((id) => classes.find((c) => c.id === id)?.name ?? id).join(', ')}`)
  if (f.verdicts?.length) parts.push(`verdicts ${f.verdicts.join(', ')}`)
  return parts.length ? parts.join('; ') : 'all frames with predictions'
}

const services = new WeakMap<Workspace, ReviewService>()

/** The review service of an open workspace, made on first use. */
export function reviewServiceFor(ws: Workspace, events: EventHub): ReviewService {
  let s = services.get(ws)
  if (!s) services.set(ws, (s = new ReviewService(ws, events)))
  return s
}
