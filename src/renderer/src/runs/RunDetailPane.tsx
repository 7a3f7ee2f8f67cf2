/** One run on the Runs page: facts, live progress, curves, test metrics, actions and a comparison with another run. */
import { useCallback, useState } from 'react'
import type { RunDetail, RunSummary } from '../../../shared/contract'
import { api } from '../api'
import { ClassChangesNote } from '../classes/ClassChangesNote'
import { useToasts } from '../toasts'
import { formatDuration, formatTime, runTitle } from './format'
import { isRetrain } from './plan'
import { promoteRun } from './runActions'
import { RunComparisonView } from './RunComparisonView'
import { RunCurves } from './RunCurves'
import { RunMetricsView } from './RunMetricsView'
import { RunProgressView } from './RunProgressView'
import { RunSetupView } from './RunSetupView'
import { splitText } from './settingsDiff'
import { useApiData } from './useApiData'

const ACTIVE_STATES = new Set(['queued', 'running', 'cancelling'])

interface Props {
  runId: number
  runs: RunSummary[]
  onSelect(runId: number): void
}

export function RunDetailPane({ runId, runs, onSelect }: Props) {
  const toasts = useToasts()
  const loadRun = useCallback(() => api().runs.get({ runId }), [runId])
  const { data: run, reload } = useApiData(loadRun, { runState: (s) => s.runId === runId, changed: ['runs'] })
  const [compareWith, setCompareWith] = useState<number | null>(null)
  const [busy, setBusy] = useState(false)

  const act = async (what: () => Promise<unknown>, done?: string) => {
    setBusy(true)
    try {
      await what()
      if (done) toasts.info(done)
      reload()
    } catch (e) {
      toasts.error(e)
    } finally {
      setBusy(false)
    }
  }

  if (!run) {
    return (
      <div className="run-detail muted" data-testid="run-detail" data-run-id={runId} data-loaded="false">
        Loading run #{runId}…
      </div>
    )
  }

  const others = runs.filter((r) => r.id !== run.id && r.kind === 'train' && r.state === 'done')
  const running = ACTIVE_STATES.has(run.state)
  const canDecide = run.kind === 'train' && run.state === 'done' && run.modelId !== null && !run.active
  return (
    <div className="run-detail" data-testid="run-detail" data-run-id={run.id} data-state={run.state} data-loaded="true">
      <div className="run-detail-head">
        <h2>
          {runTitle(run)} <span className={`run-state run-state-${run.state}`}>{run.state}</span>
          {run.active && <span className="tag tag-active">active model #{run.modelId}</span>}
          {run.decision && !run.active && <span className="tag">{run.decision}</span>}
        </h2>
        <div className="run-actions">
          {running && (
            <button type="button" className="danger" data-testid="run-cancel" disabled={busy || run.state === 'cancelling'} onClick={() => void act(() => api().runs.cancel({ runId: run.id }))}>
              {run.state === 'cancelling' ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          {run.resumable && (
            <button type="button" data-testid="run-resume" disabled={busy} onClick={() => void act(() => api().runs.resume({ runId: run.id }), `Run #${run.id} resumes from its last checkpoint`)}>
              Resume
            </button>
          )}
          {canDecide && run.decision === null && (
            <button type="button" data-testid="run-decline" disabled={busy} onClick={() => void act(() => api().runs.decline({ runId: run.id }))}>
              Decline
            </button>
          )}
          {canDecide && (
            <button
              type="button"
              className="primary"
              data-testid="run-promote"
              disabled={busy}
              onClick={() => void act(() => promoteRun(run.id), `Run #${run.id}'s model is now the active model`)}
            >
              Make active model
            </button>
          )}
        </div>
      </div>
      <Facts run={run} onSelect={onSelect} />
      {run.kind === 'train' && <ClassChangesNote runId={run.id} />}
      {run.error && (
        <p className="error-text" data-testid="run-error">
          {run.error}
        </p>
      )}
      {run.autoPromote && (
        <p
          className={run.autoPromote.promoted ? 'muted' : 'run-autopromote-refused'}
          data-testid="run-auto-promote"
          data-promoted={String(run.autoPromote.promoted)}
        >
          Auto-promote {run.autoPromote.reason}.
        </p>
      )}
      {run.kind === 'train' && <RunSetupView run={run} />}
      {running && <RunProgressView run={run} config={run.config} />}
      {run.kind === 'train' && <RunCurves runId={run.id} history={run.epochs} config={run.config} />}
      {run.kind === 'train' && run.state === 'done' && (
        <div className="compare-pick">
          <label className="check">
            Compare with
            <select data-testid="compare-with" value={compareWith ?? ''} onChange={(e) => setCompareWith(e.target.value === '' ? null : Number(e.target.value))}>
              <option value="">(another run)</option>
              {others.map((r) => (
                <option key={r.id} value={r.id}>
                  {runTitle(r)}
                  {r.active ? ' (active)' : ''}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {compareWith !== null ? <Comparison a={compareWith} b={run.id} /> : run.kind === 'train' && run.state === 'done' && <RunMetricsView report={run.testMetrics} />}
    </div>
  )
}

function Comparison({ a, b }: { a: number; b: number }) {
  const load = useCallback(() => api().runs.compare({ a, b }), [a, b])
  const { data } = useApiData(load, { runState: (s) => s.runId === a || s.runId === b, changed: ['runs'] })
  if (!data) return <p className="muted">Comparing…</p>
  return <RunComparisonView cmp={data} />
}

function Facts({ run, onSelect }: { run: RunDetail; onSelect(id: number): void }) {
  const counts = run.snapshot?.counts
  const link = (id: number) => (
    <button type="button" className="link" onClick={() => onSelect(id)}>
      run #{id}
    </button>
  )
  return (
    <dl className="run-facts" data-testid="run-facts">
      <dt>Created</dt>
      <dd>{formatTime(run.createdAt)}</dd>
      {run.startedAt && (
        <>
          <dt>{run.finishedAt ? 'Took' : 'Running for'}</dt>
          <dd>{formatDuration(run.startedAt, run.finishedAt)}</dd>
        </>
      )}
      {run.backend && (
        <>
          <dt>Backend</dt>
          <dd>{run.backend}</dd>
        </>
      )}
      {run.kind === 'train' && (
        <>
          <dt>Started by</dt>
          <dd>{isRetrain(run.config) ? 'Retrain' : 'Train'}</dd>
        </>
      )}
      {run.parentRunId !== null && (
        <>
          <dt>{run.kind === 'infer' ? 'Model of' : 'Compared to'}</dt>
          <dd>{link(run.parentRunId)}</dd>
        </>
      )}
      {run.warmStartModelId !== null && (
        <>
          <dt>Warm start</dt>
          <dd>from model #{run.warmStartModelId}</dd>
        </>
      )}
      {counts && (
        <>
          <dt>Data</dt>
          <dd data-testid="run-data" data-images={counts.images}>
            {counts.images} frames{run.kind === 'train' && ` (${counts.labeled} labelled, ${counts.normal} normal)`}
            {run.kind === 'train' && run.snapshot && `, ${run.snapshot.testImageIds.length} for testing`}
          </dd>
          {run.kind === 'train' && Object.keys(counts.bySplit).length > 0 && (
            <>
              <dt>Frames per split</dt>
              <dd data-testid="run-split-counts">{splitText(counts.bySplit)}</dd>
            </>
          )}
          {run.kind === 'train' && Object.keys(counts.byClass).length > 0 && (
            <>
              <dt>Labelled frames per class</dt>
              <dd data-testid="run-class-counts">
                {Object.entries(counts.byClass)
                  .map(([name, n]) => `${name} ${n}`)
                  .join(', ')}
              </dd>
            </>
          )}
        </>
      )}
    </dl>
  )
}
