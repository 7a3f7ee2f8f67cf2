/** The retrain dialog: start, follow the run, then compare with the active model and accept or decline. */
import { useCallback, useEffect, useState } from 'react'
import type { RetrainStatus, RunDetail } from '../../../shared/contract'
import { api } from '../api'
import { formatMetric, runTitle, trainingSettingsLine } from '../runs/format'
import { promoteRun, promotedByUser } from '../runs/runActions'
import { RunComparisonView } from '../runs/RunComparisonView'
import { RunCurves } from '../runs/RunCurves'
import { RunMetricsView } from '../runs/RunMetricsView'
import { RunProgressView } from '../runs/RunProgressView'
import { useApiData } from '../runs/useApiData'
import { useToasts } from '../toasts'
import { retrainPhase, type RetrainPhase } from './phase'

interface Props {
  status: RetrainStatus
  /** The run the dialog follows; null shows the start view. */
  runId: number | null
  onFollow(runId: number | null): void
  /** Says whether the followed run still goes on (so its end is worth announcing). */
  onClose(stillRunning: boolean): void
}

export function RetrainDialog({ status, runId, onFollow, onClose: close }: Props) {
  const loadRun = useCallback(() => api().runs.get({ runId: runId! }), [runId])
  const { data: run, reload } = useApiData(runId !== null ? loadRun : null, {
    runState: (s) => s.runId === runId,
    changed: ['runs']
  })
  const shown = run && run.id === runId ? run : null
  const phase: RetrainPhase = runId === null ? 'start' : shown ? retrainPhase(shown) : 'loading'
  const onClose = useCallback(() => close(phase === 'running' || phase === 'loading'), [close, phase])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation()
        onClose()
      }
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [onClose])

  return (
    <div className="modal-backdrop">
      <div
        className="modal retrain-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="retrain-title"
        data-testid="retrain-dialog"
        data-phase={phase}
        data-run-id={runId ?? ''}
      >
        <h2 id="retrain-title">{shown ? `Retrain · ${runTitle(shown)}` : 'Retrain'}</h2>
        {phase === 'start' && <StartView status={status} onStarted={onFollow} onClose={onClose} />}
        {phase === 'loading' && <p className="muted">Loading…</p>}
        {shown && phase === 'running' && <RunningView run={shown} onClose={onClose} />}
        {shown && phase === 'decide' && <DecideView run={shown} status={status} onDecided={reload} onClose={onClose} />}
        {shown && (phase === 'promoted' || phase === 'declined') && <OutcomeView run={shown} status={status} onClose={onClose} />}
        {shown && phase === 'stopped' && <StoppedView run={shown} onFollow={onFollow} onResumed={reload} onClose={onClose} />}
      </div>
    </div>
  )
}

function StartView({ status, onStarted, onClose }: { status: RetrainStatus; onStarted(runId: number): void; onClose(): void }) {
  const toasts = useToasts()
  const [rerunStage1, setRerunStage1] = useState(false)
  const [starting, setStarting] = useState(false)
  const loadSettings = useCallback(() => api().settings.getTraining({}), [])
  const { data: settings } = useApiData(loadSettings, {})
  const active = status.activeModel
  // Stage 1 reruns anyway for a first model and when new normal frames came in.
  const forced =
    active === null
      ? 'a first model trains both networks'
      : status.newNormalFrames > 0
        ? `${status.newNormalFrames} new normal frames`
        : status.reconSettingsChanged
          ? "the active model's reconstruction net was trained with other settings or has another shape"
          : null

  const start = async () => {
    setStarting(true)
    try {
      const { runId } = await api().retrain.start(rerunStage1 ? { rerunStage1 } : {})
      onStarted(runId)
    } catch (e) {
      toasts.error(e)
      setStarting(false)
    }
  }

  return (
    <div className="retrain-start" data-testid="retrain-start-view">
      <p>Trains a new model on every current label, then tests it on the same frames as the active model so the two compare like for like. You accept or decline it when it is done.</p>
      <dl className="run-facts">
        <dt>Active model</dt>
        <dd data-testid="retrain-active">{active ? `#${active.id} (run #${active.runId})` : 'none yet: the new model would become the first'}</dd>
        <dt>New since then</dt>
        <dd data-testid="retrain-new">
          {status.newDefectLabels} defect {status.newDefectLabels === 1 ? 'label' : 'labels'}, {status.newNormalFrames} normal{' '}
          {status.newNormalFrames === 1 ? 'frame' : 'frames'}
        </dd>
        <dt>Settings</dt>
        <dd className="muted">{settings ? trainingSettingsLine(settings) : '…'} (Runs page → Training settings)</dd>
      </dl>
      {status.running && (
        <p className="warn-text" data-testid="retrain-queued-note">
          {runTitle(status.running)} is training now; the retrain starts after it.
        </p>
      )}
      <label className="check">
        <input type="checkbox" data-testid="retrain-stage1" checked={forced !== null || rerunStage1} disabled={forced !== null} onChange={(e) => setRerunStage1(e.target.checked)} />
        Also retrain the reconstruction network (stage 1){forced && <span className="muted"> · it reruns anyway: {forced}</span>}
      </label>
      <div className="modal-actions">
        <button type="button" data-testid="retrain-close" onClick={onClose}>
          Close
        </button>
        <button type="button" className="primary" data-testid="retrain-start" disabled={starting} onClick={() => void start()}>
          {starting ? 'Starting…' : 'Start retraining'}
        </button>
      </div>
    </div>
  )
}

function RunningView({ run, onClose }: { run: RunDetail; onClose(): void }) {
  const toasts = useToasts()
  const [cancelling, setCancelling] = useState(false)
  const cancel = async () => {
    setCancelling(true)
    try {
      await api().runs.cancel({ runId: run.id })
    } catch (e) {
      toasts.error(e)
      setCancelling(false)
    }
  }
  return (
    <div className="retrain-running">
      <RunProgressView run={run} config={run.config} />
      <RunCurves runId={run.id} history={run.epochs} config={run.config} />
      <div className="modal-actions">
        <button type="button" data-testid="retrain-background" onClick={onClose} title="Training goes on; the Retrain button shows its progress">
          Run in background
        </button>
        <button type="button" className="danger" data-testid="retrain-cancel" disabled={cancelling || run.state === 'cancelling'} onClick={() => void cancel()}>
          {cancelling || run.state === 'cancelling' ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    </div>
  )
}

/** The run compared against: the active model, or (once this run is active) the one it was trained against. */
function baselineOf(run: RunDetail, status: RetrainStatus): number | null {
  const active = status.activeModel
  if (active && active.runId !== run.id) return active.runId
  return run.parentRunId
}

function Comparison({ a, b }: { a: number; b: number }) {
  const load = useCallback(() => api().runs.compare({ a, b }), [a, b])
  const { data } = useApiData(load, {})
  return data ? <RunComparisonView cmp={data} labelA="active" labelB="new" /> : <p className="muted">Evaluating both models on the current labels of the same test frames…</p>
}

function DecideView({ run, status, onDecided, onClose }: { run: RunDetail; status: RetrainStatus; onDecided(): void; onClose(): void }) {
  const toasts = useToasts()
  const [busy, setBusy] = useState(false)
  const baseline = baselineOf(run, status)
  const loadCmp = useCallback(() => api().runs.compare({ a: baseline!, b: run.id }), [baseline, run.id])
  const { data: cmp } = useApiData(baseline !== null ? loadCmp : null, {})
  // The regression guard: a worse model is offered for declining, and accepting it takes a deliberate click.
  const regressed = cmp?.regression?.regressed === true
  const decide = async (what: () => Promise<unknown>) => {
    setBusy(true)
    try {
      await what()
      onDecided()
    } catch (e) {
      toasts.error(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="retrain-decide" data-testid="retrain-decide" data-baseline={baseline ?? ''} data-regressed={cmp ? String(regressed) : ''}>
      {run.autoPromote && !run.autoPromote.promoted && (
        <p className="run-autopromote-refused" data-testid="retrain-auto-refused">
          Auto-promote {run.autoPromote.reason}.
        </p>
      )}
      {baseline !== null ? (
        cmp && cmp.b.id === run.id ? (
          <RunComparisonView cmp={cmp} labelA="active" labelB="new" />
        ) : (
          <p className="muted">Evaluating both models on the current labels of the same test frames…</p>
        )
      ) : (
        <>
          <p data-testid="retrain-first-model">
            There is no active model yet: accepting makes this run's model the workspace's first active model, and it then pre-annotates the unlabelled frames.
          </p>
          <RunMetricsView report={run.testMetrics} />
        </>
      )}
      <div className="modal-actions">
        <button type="button" data-testid="retrain-later" onClick={onClose}>
          Decide later
        </button>
        {regressed ? (
          <>
            {/* Keys: new elements, so autoFocus lands on Decline when the comparison arrives after the first render. */}
            <button key="accept-anyway" type="button" data-testid="retrain-accept" disabled={busy} onClick={() => void decide(() => promoteRun(run.id))}>
              Accept anyway
            </button>
            <button key="decline-primary" type="button" className="primary" data-testid="retrain-decline" disabled={busy} autoFocus onClick={() => void decide(() => api().runs.decline({ runId: run.id }))}>
              Decline: keep the active model
            </button>
          </>
        ) : (
          <>
            <button type="button" className="danger" data-testid="retrain-decline" disabled={busy} onClick={() => void decide(() => api().runs.decline({ runId: run.id }))}>
              Decline
            </button>
            <button type="button" className="primary" data-testid="retrain-accept" disabled={busy || (baseline !== null && !cmp)} onClick={() => void decide(() => promoteRun(run.id))}>
              Accept: make it the active model
            </button>
          </>
        )}
      </div>
    </div>
  )
}

function OutcomeView({ run, status, onClose }: { run: RunDetail; status: RetrainStatus; onClose(): void }) {
  const loadRuns = useCallback(() => api().runs.list({}), [])
  const { data: runs } = useApiData(run.decision === 'promoted' ? loadRuns : null, { runState: true, changed: ['predictions', 'runs'] })
  const infer = runs?.find((r) => r.kind === 'infer' && r.parentRunId === run.id) ?? null
  const auto = run.decision === 'promoted' && !promotedByUser(run.id)
  const active = status.activeModel
  return (
    <div className="retrain-outcome" data-testid="retrain-outcome" data-decision={run.decision ?? ''} data-active-model={active?.id ?? ''}>
      {run.decision === 'promoted' ? (
        <p className="ok-text">
          Model #{run.modelId} (run #{run.id}) is now the active model
          {run.testMiou !== null && <>, test MIoU {formatMetric(run.testMiou)}</>}.
        </p>
      ) : (
        <p>
          Declined: {active ? `model #${active.id} (run #${active.runId}) stays active` : 'there is still no active model'}. The run stays on the Runs page.
        </p>
      )}
      {auto && (
        <p className="muted" data-testid="retrain-auto-promoted">
          {run.autoPromote
            ? `Promoted automatically: auto-promote is on, and ${run.autoPromote.reason.replace(/^promoted: /, '')}.`
            : `Promoted automatically: auto-promote is on and its test MIoU did not drop${run.parentRunId === null ? ' (it is the first model)' : ''}.`}
        </p>
      )}
      {run.decision === 'promoted' && (
        <div className="retrain-preannotation" data-testid="retrain-preannotation" data-state={infer?.state ?? (runs ? 'none' : '')} data-run-id={infer?.id ?? ''}>
          <h4>Pre-annotation</h4>
          {!runs && <p className="muted">…</p>}
          {runs && !infer && <p className="muted">No unlabelled frames to pre-annotate.</p>}
          {infer && (infer.state === 'queued' || infer.state === 'running' || infer.state === 'cancelling') && (
            <>
              <p className="muted">The model is predicting the unlabelled frames in the background. Predictions never change an inspector's labels.</p>
              <RunProgressView run={infer} config={null} />
            </>
          )}
          {infer?.state === 'done' && <p>Done: open an unlabelled frame in the editor to see the model's heatmap and outlines, and accept them where they are right.</p>}
          {infer && (infer.state === 'failed' || infer.state === 'cancelled') && (
            <p className="error-text">Pre-annotation {infer.state}{infer.error ? `: ${infer.error}` : ''}.</p>
          )}
        </div>
      )}
      {run.parentRunId !== null && (
        <details className="retrain-details">
          <summary>Comparison with run #{run.parentRunId}</summary>
          <Comparison a={run.parentRunId} b={run.id} />
        </details>
      )}
      <div className="modal-actions">
        <button type="button" className="primary" data-testid="retrain-done" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  )
}

function StoppedView({ run, onFollow, onResumed, onClose }: { run: RunDetail; onFollow(id: number | null): void; onResumed(): void; onClose(): void }) {
  const toasts = useToasts()
  const resume = async () => {
    try {
      await api().runs.resume({ runId: run.id })
      onResumed()
    } catch (e) {
      toasts.error(e)
    }
  }
  return (
    <div className="retrain-stopped" data-testid="retrain-stopped" data-state={run.state}>
      {run.state === 'failed' ? <p className="error-text">The run failed: {run.error ?? 'unknown error'}</p> : <p>The run was cancelled.</p>}
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button type="button" data-testid="retrain-again" onClick={() => onFollow(null)}>
          Start a new retrain
        </button>
        {run.resumable && (
          <button type="button" className="primary" data-testid="retrain-resume" onClick={() => void resume()}>
            Resume from the last checkpoint
          </button>
        )}
      </div>
    </div>
  )
}
