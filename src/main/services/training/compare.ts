import { StudioError, type DataSnapshot, type RunComparison, type RunDetail } from '../../../shared/contract'
import type { EvalReport } from '../../../shared/arcd/metrics'
import type { EvalResult, ProgressMessage } from '../../../shared/arcd/protocol'
import { createRun, finishRun } from '../runs'
import type { Workspace } from '../workspace'
import { changedFrames, type LabelState } from './labelState'
import { labelStateOf } from './labelState'
import { MlJobError, type MlHost } from './mlHost'
import { findRegressions } from './regression'
import { compareRuns, getRun } from './runsRead'
import { getTrainingSettings } from './trainingSettings'

/**
 * Comparisons judge both models on the current labels of the same frames.
 * A run's stored test report was scored against the labels of its day; a
 * verdict or an edit since then changes the ground truth under it, so two
 * stored reports can disagree about the very same prediction. Each model is
 * therefore evaluated again on the frames both runs tested, as labelled now;
 * the evaluation is an eval run keyed by the label state (labelState.ts), so
 * it is made once per model and state.
 */

export interface Evaluation {
  report: EvalReport
  /** The eval run, or the training run whose own test report it is. */
  runId: number
}

/** A run's record of the ground truth its own test report was scored on. */
export interface TestLabels {
  key: string
  frames: Record<string, string>
}

export function testLabelsOf(run: Pick<RunDetail, 'config'>): TestLabels | null {
  const t = (run.config as { testLabels?: TestLabels } | null)?.testLabels
  return t && typeof t.key === 'string' && typeof t.frames === 'object' ? t : null
}

/** The model's evaluation on exactly this label state, if one was made: a re-evaluation, or its own run's test report. */
export function storedEvaluation(ws: Workspace, modelId: number, key: string): Evaluation | null {
  const row = (ws.db
    .prepare(
      `SELECT id, test_metrics FROM runs WHERE kind = 'eval' AND state = 'done' AND test_metrics IS NOT NULL
       AND json_extract(config, '$.modelId') = ? AND json_extract(config, '$.labelState') = ? ORDER BY id DESC LIMIT 1`
    )
    .get(modelId, key) ??
    ws.db
      .prepare(
        `SELECT r.id, r.test_metrics FROM runs r JOIN models m ON m.run_id = r.id
         WHERE m.id = ? AND r.test_metrics IS NOT NULL AND json_extract(r.config, '$.testLabels.key') = ?`
      )
      .get(modelId, key)) as { id: number; test_metrics: string } | undefined
  return row ? { report: JSON.parse(row.test_metrics) as EvalReport, runId: row.id } : null
}

function snapshotOfState(state: LabelState): DataSnapshot {
  const counts: DataSnapshot['counts'] = { images: 0, normal: 0, labeled: 0, byView: {}, bySplit: {}, byClass: {} }
  for (const i of state.items) {
    counts.images++
    if (i.normal) counts.normal++
    else counts.labeled++
    counts.byView[i.view] = (counts.byView[i.view] ?? 0) + 1
    counts.bySplit['test'] = (counts.bySplit['test'] ?? 0) + 1
    for (const name of new Set(i.polygons.map((p) => state.classes[p.classIndex]!.name))) counts.byClass[name] = (counts.byClass[name] ?? 0) + 1
  }
  const ids = state.items.map((i) => Number(i.id))
  return { counts, maxRevision: 0, imageIds: ids, testImageIds: ids }
}

/** Records an eval run of the model on the label state; run it with runEval. */
export function createEvalRun(ws: Workspace, modelId: number, state: LabelState, runState: 'queued' | 'running'): number {
  const model = ws.db.prepare('SELECT run_id FROM models WHERE id = ?').get(modelId) as { run_id: number } | undefined
  if (!model) throw new StudioError('not_found', `No model ${modelId}`)
  return createRun(ws, 'eval', { purpose: 're-evaluation', modelId, labelState: state.key, frames: state.items.length }, snapshotOfState(state), {
    parentRunId: model.run_id,
    state: runState
  })
}

/** The eval job of an eval run, its report stored with the run. Failures are the caller's to record. */
export async function runEval(
  ws: Workspace,
  host: MlHost,
  runId: number,
  modelId: number,
  state: LabelState,
  opts: { signal?: AbortSignal; onProgress?: (p: ProgressMessage) => void } = {}
): Promise<Evaluation> {
  const dir = ws.db.prepare('SELECT dir FROM models WHERE id = ?').pluck().get(modelId) as string | undefined
  if (!dir) throw new StudioError('not_found', `No model ${modelId}`)
  const result = (await host.run(
    { kind: 'eval', modelDir: dir, images: state.items, classes: state.classes, split: 'test' },
    { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) }
  )) as EvalResult
  ws.db.prepare('UPDATE runs SET test_metrics = ? WHERE id = ?').run(JSON.stringify(result.report), runId)
  finishRun(ws, runId, 'done')
  return { report: result.report, runId }
}

/** The frames both runs were tested on; a retrain shares its parent's. */
export function sharedTestFrames(a: RunDetail, b: RunDetail): number[] {
  const inB = new Set(b.snapshot?.testImageIds ?? [])
  return (a.snapshot?.testImageIds ?? []).filter((id) => inB.has(id)).sort((x, y) => x - y)
}

/** B against A on one label state: the figures, what changed since each run's own report, and the regression check. */
export function comparisonOn(ws: Workspace, a: RunDetail, b: RunDetail, state: LabelState, ids: number[], ea: Evaluation, eb: Evaluation): RunComparison {
  const since = (run: RunDetail) => {
    const t = testLabelsOf(run)
    return t ? changedFrames(t.frames, state.frames, ids) : null
  }
  return {
    ...compareRuns(ws, a.id, b.id, { a: ea.report, b: eb.report }),
    basis: {
      kind: 'current-labels',
      frames: state.items.length,
      labelState: state.key,
      changedSinceA: since(a),
      changedSinceB: since(b),
      evalRunIds: [...new Set([ea.runId, eb.runId])]
    },
    regression: findRegressions(ea.report, eb.report, getTrainingSettings(ws).regressionMargin)
  }
}

/** Each run's stored figures, with the reason no common ground truth was found. */
export function storedComparison(ws: Workspace, aId: number, bId: number, note: string): RunComparison {
  return {
    ...compareRuns(ws, aId, bId),
    basis: { kind: 'stored', frames: 0, labelState: null, changedSinceA: null, changedSinceB: null, evalRunIds: [], note },
    regression: null
  }
}

/**
 * Compares runs, evaluating what is missing through `evaluate` (an eval run
 * in the ML service's inference lane). Concurrent asks for the same model
 * and label state share one evaluation.
 */
export class Comparer {
  private readonly inflight = new Map<string, Promise<Evaluation>>()
  /** Evaluations that failed: not retried on the same label state, or every reload of a comparison would queue one again. */
  private readonly failed = new Map<string, Error>()

  constructor(
    private readonly ws: Workspace,
    private readonly evaluate: (modelId: number, state: LabelState) => Promise<Evaluation>
  ) {}

  evaluation(modelId: number, state: LabelState): Promise<Evaluation> {
    const stored = storedEvaluation(this.ws, modelId, state.key)
    if (stored) return Promise.resolve(stored)
    const key = `${modelId}:${state.key}`
    const failure = this.failed.get(key)
    if (failure) return Promise.reject(failure)
    let p = this.inflight.get(key)
    if (!p) {
      p = this.evaluate(modelId, state)
        .catch((err: unknown) => {
          // A cancelled evaluation is someone's choice, not a fault of the model: the next comparison tries again.
          if (err instanceof MlJobError && err.code === 'cancelled') {
            throw new StudioError('conflict', `The evaluation of model #${modelId} on the current labels was cancelled; open the comparison again to evaluate.`)
          }
          const e = err instanceof Error ? err : new Error(String(err))
          this.failed.set(key, new StudioError('internal', `Model #${modelId} could not be evaluated on the current labels: ${e.message}`))
          throw this.failed.get(key)!
        })
        .finally(() => this.inflight.delete(key))
      this.inflight.set(key, p)
    }
    return p
  }

  async compare(aId: number, bId: number): Promise<RunComparison> {
    const a = getRun(this.ws, aId)
    const b = getRun(this.ws, bId)
    if (a.modelId === null || b.modelId === null) {
      return storedComparison(this.ws, aId, bId, `Run #${a.modelId === null ? a.id : b.id} has no model to evaluate: the figures are the stored test reports.`)
    }
    const ids = sharedTestFrames(a, b)
    if (ids.length === 0) {
      return storedComparison(this.ws, aId, bId, 'The two runs share no test frame: each figure is its own run’s test report, scored on other frames and labels.')
    }
    const state = labelStateOf(this.ws, ids)
    if (state.items.length === 0) {
      return storedComparison(this.ws, aId, bId, 'None of the shared test frames is labelled or normal now: there is no ground truth to evaluate on.')
    }
    const [ea, eb] = await Promise.all([this.evaluation(a.modelId, state), this.evaluation(b.modelId, state)])
    return comparisonOn(this.ws, a, b, state, ids, ea, eb)
  }
}
