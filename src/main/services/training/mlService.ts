import { join } from 'node:path'
import {
  StudioError,
  type AutoPromoteRecord,
  type BackendStatus,
  type DataSnapshot,
  type RetrainStatus,
  type RunComparison,
  type RunOutcome,
  type TrainingSettings
} from '../../../shared/contract'
import type { ModelConfig, TrainConfig } from '../../../shared/arcd/config'
import type { EvalReport } from '../../../shared/arcd/metrics'
import type { DatasetItem, EvalResult, InferResult, TrainResult } from '../../../shared/arcd/protocol'
import type { EventHub } from '../events'
import { addModel, createRun, finishRun, recordEpoch, runModelDir, setActiveModel } from '../runs'
import type { Workspace } from '../workspace'
import { Comparer, createEvalRun, runEval, storedEvaluation, type Evaluation } from './compare'
import { buildDataset, snapshotOf, type WorkspaceDataset } from './dataset'
import { labelStateOf, type LabelState } from './labelState'
import { Lane } from './lane'
import { MlJobError, type MlHost } from './mlHost'
import { storePredictions } from './predictions'
import { judgeRetrain } from './retrainJudge'
import { readRetrainStatus } from './retrainStatus'
import { RunRecorder } from './runRecorder'
import { getRun, getRunSummary } from './runsRead'
import { getTrainingSettings, mergeTrainingSettings, toConfigs } from './trainingSettings'

export interface TrainOptions {
  arch?: 'arcd' | 'unet'
  /** Overrides of the workspace's training settings for this run only (the CLI's flags). */
  settings?: Partial<TrainingSettings> & { seed?: number }
  /** Copy weights from this model where shapes match. */
  warmStartModelId?: number
  /** Skip stage 1 (needs warm start: the reconstruction net comes from that model). */
  skipStage1?: boolean
  /** Evaluate on these frames instead of the run's own test split. */
  testImageIds?: number[]
  /** A retrain: its model waits for accept/decline unless auto-promote applies. */
  retrain?: boolean
  parentRunId?: number
}

/**
 * Training, evaluation and pre-annotation inside the app. Training runs in
 * one lane (one at a time), inference in another beside it; each lane has
 * its own ML process. Every job is a run in SQLite, so a closed app or a
 * crashed ML process leaves a record that says what happened.
 */
export class MlService {
  private readonly trainLane: Lane
  private readonly inferLane: Lane
  private readonly comparer: Comparer
  /** Rejecters of queued re-evaluations, by eval run id. */
  private readonly evalWaiters = new Map<number, (err: Error) => void>()
  private readonly runs: RunRecorder
  private backend: BackendStatus = { name: null, gpu: false, skipped: [], note: 'the ML process has not started yet' }

  constructor(
    private readonly ws: Workspace,
    private readonly events: EventHub,
    makeHost: () => MlHost
  ) {
    this.runs = new RunRecorder(ws, events)
    const onError = (runId: number, err: unknown): void => this.runs.fail(runId, err)
    this.trainLane = new Lane('train', makeHost, onError)
    this.inferLane = new Lane('infer', makeHost, onError)
    this.comparer = new Comparer(ws, (modelId, state) => this.evaluateRecorded(modelId, state))
    this.runs.failStale()
  }

  async backendStatus(): Promise<BackendStatus> {
    if (this.backend.name === null) {
      try {
        const b = await this.inferLane.liveHost().ready
        this.backend = { name: b.name, gpu: b.gpu, skipped: b.skipped }
      } catch (err) {
        this.backend = { name: null, gpu: false, skipped: [], note: `the ML process failed to start: ${(err as Error).message}` }
      }
    }
    return this.backend
  }

  /** Queues a training run on all current labels; returns its id at once. */
  train(opts: TrainOptions = {}): number {
    const arch = opts.arch ?? 'arcd'
    const data = buildDataset(this.ws)
    if (data.counts.labeled === 0) {
      throw new StudioError('invalid_argument', 'Nothing to train on: label some defects (or import labels) first.')
    }
    const { seed, ...overrides } = opts.settings ?? {}
    const settings = mergeTrainingSettings(getTrainingSettings(this.ws), overrides)
    const { model, train: base } = toConfigs(settings)
    const train = seed !== undefined ? { ...base, seed } : { ...base }
    const snapshot = snapshotOf(data, opts.testImageIds)
    const warm = opts.warmStartModelId !== undefined ? this.modelDir(opts.warmStartModelId) : undefined
    const runId = createRun(
      this.ws,
      'train',
      { arch, preset: settings.preset, model, train, retrain: opts.retrain ?? false, skipStage1: opts.skipStage1 ?? false },
      snapshot,
      {
        state: 'queued',
        arch,
        ...(opts.parentRunId !== undefined ? { parentRunId: opts.parentRunId } : {}),
        ...(opts.warmStartModelId !== undefined ? { warmStartModelId: opts.warmStartModelId } : {})
      }
    )
    const stages: ('recon' | 'disc')[] = arch === 'unet' || (opts.skipStage1 && warm) ? ['disc'] : ['recon', 'disc']
    // Main has already decided about reuse (new normal frames, changed settings, or asked to): stage 1 asked for is stage 1 trained.
    if (warm && stages.includes('recon')) train.reuseRecon = false
    this.enqueueTraining(runId, { arch, model, train, stages, warm, snapshot, items: data.items, classes: data.classes, retrain: opts.retrain ?? false })
    return runId
  }

  /** Queues a failed or cancelled run again from its last checkpoint. */
  resume(runId: number): number {
    const run = getRun(this.ws, runId)
    const checkpoint = (this.ws.db.prepare('SELECT checkpoint FROM runs WHERE id = ?').pluck().get(runId) as string | null) ?? null
    if (!run.resumable || !checkpoint) throw new StudioError('conflict', `Run ${runId} has no checkpoint to resume from.`)
    const cfg = run.config as { arch: 'arcd' | 'unet'; model: TrainResultConfig['model']; train: TrainResultConfig['train']; retrain?: boolean; skipStage1?: boolean }
    const data = buildDataset(this.ws)
    const snapshot = run.snapshot ?? snapshotOf(data)
    // The same frames as before, as they are labelled now.
    const ids = new Set(snapshot.imageIds)
    const items = data.items.filter((i) => ids.has(Number(i.id)))
    this.ws.db.prepare("UPDATE runs SET state = 'queued', error = NULL, progress = NULL WHERE id = ?").run(runId)
    const warm = run.warmStartModelId !== null ? this.modelDir(run.warmStartModelId) : undefined
    const stages: ('recon' | 'disc')[] = cfg.arch === 'unet' || (cfg.skipStage1 && warm) ? ['disc'] : ['recon', 'disc']
    this.enqueueTraining(runId, {
      arch: cfg.arch,
      model: cfg.model,
      train: cfg.train,
      stages,
      warm,
      snapshot,
      items,
      classes: data.classes,
      retrain: cfg.retrain ?? false,
      resumeFrom: checkpoint
    })
    return runId
  }

  cancel(runId: number): boolean {
    const state = this.ws.db.prepare('SELECT state FROM runs WHERE id = ?').pluck().get(runId) as string | undefined
    if (!state) throw new StudioError('not_found', `No run ${runId}`)
    const outcome = [this.trainLane, this.inferLane].map((l) => l.cancel(runId)).find((o) => o !== 'unknown') ?? 'unknown'
    if (outcome === 'dequeued' || state === 'queued') {
      // A queued re-evaluation never runs: whoever waits for it (a comparison) hears so.
      this.evalWaiters.get(runId)?.(new MlJobError('cancelled', `Evaluation run ${runId} was cancelled before it started.`))
      finishRun(this.ws, runId, 'cancelled')
      this.runs.emitState(runId)
      return true
    }
    if (outcome === 'signalled') {
      this.ws.db.prepare("UPDATE runs SET state = 'cancelling' WHERE id = ?").run(runId)
      this.runs.emitState(runId)
      return true
    }
    return false
  }

  /** Makes the run's model the workspace's active one, then pre-annotates unlabelled frames with it. */
  promote(runId: number): number {
    const run = getRunSummary(this.ws, runId)
    if (run.modelId === null || run.state !== 'done') throw new StudioError('conflict', `Run ${runId} has no finished model to promote.`)
    setActiveModel(this.ws, run.modelId)
    this.ws.db.prepare("UPDATE runs SET decision = 'promoted' WHERE id = ?").run(runId)
    this.runs.emitState(runId)
    this.events.emit('workspace.changed', { what: 'runs' })
    this.preAnnotate(run.modelId)
    return run.modelId
  }

  decline(runId: number): boolean {
    const run = getRunSummary(this.ws, runId)
    if (run.active) throw new StudioError('conflict', `Run ${runId}'s model is the active one; promote another first.`)
    this.ws.db.prepare("UPDATE runs SET decision = 'declined' WHERE id = ?").run(runId)
    this.runs.emitState(runId)
    return true
  }

  retrainStatus(): RetrainStatus {
    return readRetrainStatus(this.ws, this.trainLane.runningRunId)
  }

  /**
   * One-click retrain: all current labels, warm-started from the active model,
   * stage 1 only when new normal frames came in (or when asked), tested on
   * the active model's own test frames so the comparison is like for like.
   */
  retrain(opts: { rerunStage1?: boolean } = {}): number {
    const status = this.retrainStatus()
    const active = status.activeModel
    if (!active) return this.train({ retrain: true })
    const parent = getRun(this.ws, active.runId)
    return this.train({
      arch: parent.arch,
      retrain: true,
      parentRunId: active.runId,
      warmStartModelId: active.id,
      skipStage1: !(opts.rerunStage1 || status.newNormalFrames > 0 || status.reconSettingsChanged),
      ...(parent.snapshot ? { testImageIds: parent.snapshot.testImageIds } : {})
    })
  }

  /** Predictions of the model for every unlabelled frame, in the inference lane. */
  preAnnotate(modelId: number): number | null {
    const data = buildDataset(this.ws, ['unlabeled'])
    if (data.items.length === 0) return null
    return this.enqueueInference(modelId, data, data.items, 'pre-annotation')
  }

  /**
   * Predictions of the model for chosen frames of any status (the review
   * needs labelled, normal and test frames too), at the model's current
   * thresholds, into the same cache as pre-annotation. Returns the run id.
   */
  inferFrames(modelId: number, imageIds: number[]): number {
    const wanted = new Set(imageIds)
    const data = buildDataset(this.ws, ['unlabeled', 'labeled', 'normal', 'needs-review'])
    const items = data.items.filter((i) => wanted.has(Number(i.id)))
    if (items.length === 0) throw new StudioError('invalid_argument', 'None of the chosen frames exists any more.')
    return this.enqueueInference(modelId, data, items, 'review')
  }

  /** An inference run in its own lane; its maps go to cache/predictions/model-<id>/ and rows to predictions. */
  private enqueueInference(modelId: number, data: WorkspaceDataset, items: DatasetItem[], purpose: 'pre-annotation' | 'review'): number {
    const modelDir = this.modelDir(modelId)
    const model = this.ws.db.prepare('SELECT run_id, thresholds FROM models WHERE id = ?').get(modelId) as { run_id: number; thresholds: string }
    const thresholds = JSON.parse(model.thresholds) as Record<string, number>
    const runId = createRun(this.ws, 'infer', { modelId, purpose, thresholds }, snapshotOf({ ...data, items }, []), {
      parentRunId: model.run_id,
      state: 'queued'
    })
    const outDir = join(this.ws.paths.cache, 'predictions', `model-${modelId}`)
    this.inferLane.enqueue({
      runId,
      run: async (host, signal) => {
        this.markRunning(runId, host)
        const result = (await host.run(
          { kind: 'infer', modelDir, images: items, outDir, writePngs: true, thresholds },
          { signal, onProgress: (p) => this.runs.progress(runId, p) }
        )) as InferResult
        storePredictions(this.ws, modelId, runId, result, outDir)
        finishRun(this.ws, runId, 'done')
        this.runs.emitState(runId)
        this.events.emit('workspace.changed', { what: 'predictions' })
      }
    })
    this.runs.emitState(runId)
    return runId
  }

  async close(): Promise<void> {
    await Promise.all([this.trainLane.close(), this.inferLane.close()])
  }

  /** For tests: the training lane's ML process. */
  get trainHostForTests(): MlHost | null {
    return this.trainLane.hostForTests
  }

  private enqueueTraining(runId: number, job: TrainingJob): void {
    const outDir = runModelDir(this.ws, runId)
    this.trainLane.enqueue({
      runId,
      run: async (host, signal) => {
        this.markRunning(runId, host)
        const result = (await host.run(
          {
            kind: 'train',
            runId: String(runId),
            outDir,
            classes: job.classes,
            images: job.items,
            model: job.model,
            train: job.train,
            stages: job.stages,
            arch: job.arch,
            ...(job.warm ? { warmStartFrom: job.warm } : {}),
            ...(job.resumeFrom ? { resumeFrom: job.resumeFrom } : {})
          },
          {
            signal,
            onProgress: (p) => this.runs.progress(runId, p),
            onEpoch: (e) => {
              recordEpoch(this.ws, runId, e)
              this.events.emit('run.epoch', { runId, stage: e.stage, epoch: e.epoch, trainLoss: e.trainLoss, valLoss: e.valLoss })
            }
          }
        )) as TrainResult
        addModel(this.ws, runId, result.modelDir, result.thresholds)
        this.ws.db.prepare('UPDATE runs SET metrics = ? WHERE id = ?').run(JSON.stringify(result.valMetrics), runId)
        // Kept beside the run's config, not in a new column: the run record already holds what it was asked to do as JSON.
        const outcome = outcomeOf(result)
        // Stage 1 left out here means the warm-start model's reconstruction net is the one in use.
        if (outcome.plan && job.arch === 'arcd' && job.warm && !job.stages.includes('recon')) outcome.plan = { ...outcome.plan, reconReused: true }
        this.ws.db.prepare("UPDATE runs SET config = json_set(config, '$.outcome', json(?)) WHERE id = ?").run(JSON.stringify(outcome), runId)
        // The test frames as labelled now; the record of that state lets a comparison tell later edits apart.
        const state = labelStateOf(this.ws, job.snapshot.testImageIds)
        let own: EvalReport | null = null
        if (state.items.length > 0) {
          // classes: the list the items' classIndex refers to, which a model trained on fewer classes maps by name.
          const evalResult = (await host.run(
            { kind: 'eval', modelDir: result.modelDir, images: state.items, classes: state.classes, split: 'test' },
            { signal, onProgress: (p) => this.runs.progress(runId, p) }
          )) as EvalResult
          own = evalResult.report
          this.ws.db
            .prepare("UPDATE runs SET test_metrics = ?, config = json_set(config, '$.testLabels', json(?)) WHERE id = ?")
            .run(JSON.stringify(own), JSON.stringify({ key: state.key, frames: state.frames }), runId)
        }
        // A retrain's comparison needs the active model on the same labels: evaluated here, on this free host, before the run says it is done.
        const record = job.retrain
          ? await judgeRetrain(this.ws, this.retrainStatus().activeModel, own, state.items.length > 0 ? state : null, (id, st) =>
              Promise.resolve(storedEvaluation(this.ws, id, st.key) ?? this.evaluateOn(host, signal, runId, id, st))
            )
          : null
        finishRun(this.ws, runId, 'done')
        this.ws.db.prepare('UPDATE runs SET checkpoint = NULL, progress = NULL WHERE id = ?').run(runId)
        this.runs.emitState(runId)
        this.events.emit('workspace.changed', { what: 'runs' })
        if (record && getTrainingSettings(this.ws).autoPromote) this.recordAutoPromote(runId, record)
      }
    })
    this.runs.emitState(runId)
  }

  /** Auto-promote's decision goes with the run (the Runs page shows why it was refused). */
  private recordAutoPromote(runId: number, record: AutoPromoteRecord): void {
    this.ws.db.prepare("UPDATE runs SET config = json_set(config, '$.autoPromote', json(?)) WHERE id = ?").run(JSON.stringify(record), runId)
    if (record.promoted) this.promote(runId)
    else {
      this.runs.emitState(runId)
      this.events.emit('workspace.changed', { what: 'runs' })
    }
  }

  /** Both runs' models on the current labels of the frames both were tested on (compare.ts). */
  compare(a: number, b: number): Promise<RunComparison> {
    return this.comparer.compare(a, b)
  }

  /** An eval run on the host of a training run that is being finished (progress shows as that run's). */
  private async evaluateOn(host: MlHost, signal: AbortSignal, trainRunId: number, modelId: number, state: LabelState): Promise<Evaluation> {
    const runId = createEvalRun(this.ws, modelId, state, 'running')
    this.runs.emitState(runId)
    try {
      const e = await runEval(this.ws, host, runId, modelId, state, { signal, onProgress: (p) => this.runs.progress(trainRunId, p) })
      this.runs.emitState(runId)
      return e
    } catch (err) {
      this.runs.fail(runId, err)
      throw err
    }
  }

  /** A model's evaluation on a label state, as an eval run in the inference lane. */
  private evaluateRecorded(modelId: number, state: LabelState): Promise<Evaluation> {
    const runId = createEvalRun(this.ws, modelId, state, 'queued')
    return new Promise<Evaluation>((ok, fail) => {
      this.evalWaiters.set(runId, fail)
      this.inferLane.enqueue({
        runId,
        run: async (host, signal) => {
          this.markRunning(runId, host)
          try {
            ok(await runEval(this.ws, host, runId, modelId, state, { signal, onProgress: (p) => this.runs.progress(runId, p) }))
          } catch (err) {
            fail(err)
            throw err
          }
          this.runs.emitState(runId)
          this.events.emit('workspace.changed', { what: 'runs' })
        }
      })
      this.runs.emitState(runId)
    }).finally(() => this.evalWaiters.delete(runId))
  }

  private markRunning(runId: number, host: MlHost): void {
    this.runs.running(runId)
    void host.ready.then(
      (b) => {
        this.backend = { name: b.name, gpu: b.gpu, skipped: b.skipped }
        this.runs.backend(runId, b.name)
      },
      () => undefined
    )
  }

  private modelDir(modelId: number): string {
    const dir = this.ws.db.prepare('SELECT dir FROM models WHERE id = ?').pluck().get(modelId) as string | undefined
    if (!dir) throw new StudioError('not_found', `No model ${modelId}`)
    return dir
  }
}

/** What the Runs page shows of a finished training; tolerant of an ML engine that reports less. */
function outcomeOf(result: TrainResult): RunOutcome {
  const partial = result as Partial<TrainResult>
  return {
    classes: partial.classes ?? [],
    untrainedClasses: partial.untrainedClasses ?? [],
    warnings: partial.warnings ?? [],
    plan: partial.plan ?? null,
    reconQuality: partial.reconQuality ?? null,
    stages: partial.stages ?? []
  }
}

type TrainResultConfig = { model: ModelConfig; train: TrainConfig }

interface TrainingJob {
  arch: 'arcd' | 'unet'
  model: TrainResultConfig['model']
  train: TrainResultConfig['train']
  stages: ('recon' | 'disc')[]
  warm: string | undefined
  snapshot: DataSnapshot
  items: ReturnType<typeof buildDataset>['items']
  classes: ReturnType<typeof buildDataset>['classes']
  retrain: boolean
  resumeFrom?: string
}
