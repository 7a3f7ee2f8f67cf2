/**
 * The Runs page: every training, test and pre-annotation run with live
 * progress and loss curves, the ML backend, training settings, starting,
 * cancelling and resuming runs, comparing any two, promoting or declining.
 */
import { useCallback, useEffect, useState } from 'react'
import type { RunSummary } from '../../../shared/contract'
import { api } from '../api'
import { useToasts } from '../toasts'
import { BackendInfo } from './BackendInfo'
import { formatMetric, formatTime, runTitle, stageFraction } from './format'
import { RunDetailPane } from './RunDetailPane'
import { useRunLive } from './runLive'
import { TrainingSettingsForm } from './TrainingSettingsForm'
import { useApiData } from './useApiData'
import './runs.css'

const ACTIVE_STATES = new Set(['queued', 'running', 'cancelling'])

export function RunsPage() {
  const toasts = useToasts()
  const loadRuns = useCallback(() => api().runs.list({}), [])
  const { data: runs, reload } = useApiData(loadRuns, { runState: true, changed: ['runs', 'predictions'] })
  const [selected, setSelected] = useState<number | null>(null)
  const [settingsOpen, setSettingsOpen] = useState(false)
  const [starting, setStarting] = useState(false)

  // Nothing picked yet: show the newest run.
  useEffect(() => {
    if (selected === null && runs && runs.length > 0) setSelected(runs[0]!.id)
  }, [runs, selected])

  const train = async (arch: 'arcd' | 'unet') => {
    setStarting(true)
    try {
      const { runId } = await api().runs.train({ arch })
      setSelected(runId)
      reload()
    } catch (e) {
      toasts.error(e)
    } finally {
      setStarting(false)
    }
  }

  return (
    <div className="runs-page" data-testid="runs-page">
      <div className="runs-toolbar">
        <BackendInfo />
        <div className="runs-toolbar-actions">
          <button type="button" data-testid="settings-toggle" aria-expanded={settingsOpen} onClick={() => setSettingsOpen((o) => !o)}>
            Training settings
          </button>
          <button type="button" data-testid="train-unet" disabled={starting} onClick={() => void train('unet')} title="A plain U-Net on the same data, for comparison">
            Train U-Net baseline
          </button>
          <button type="button" className="primary" data-testid="train-arcd" disabled={starting} onClick={() => void train('arcd')} title="A new ARCD model from scratch on all current labels">
            Train ARCD
          </button>
        </div>
      </div>
      {settingsOpen && <TrainingSettingsForm />}
      <div className="runs-body">
        <RunList runs={runs} selected={selected} onSelect={setSelected} />
        {selected !== null ? (
          <RunDetailPane key={selected} runId={selected} runs={runs ?? []} onSelect={setSelected} />
        ) : (
          <div className="run-detail run-detail-empty muted" data-testid="run-detail-empty">
            {runs && runs.length === 0 ? 'No runs yet: press Retrain on the Frames page, or Train ARCD here.' : 'Loading…'}
          </div>
        )}
      </div>
    </div>
  )
}

function RunList({ runs, selected, onSelect }: { runs: RunSummary[] | null; selected: number | null; onSelect(id: number): void }) {
  const live = useRunLive()
  return (
    <div className="run-list" role="listbox" aria-label="Runs" data-testid="run-list">
      {runs?.map((r) => {
        const p = ACTIVE_STATES.has(r.state) ? (live.progress(r.id) ?? r.progress) : null
        return (
          <button
            key={r.id}
            type="button"
            role="option"
            aria-selected={r.id === selected}
            className={`run-row${r.id === selected ? ' run-row-selected' : ''}`}
            data-testid="run-row"
            data-run-id={r.id}
            data-kind={r.kind}
            data-state={r.state}
            data-active={r.active}
            data-decision={r.decision ?? ''}
            onClick={() => onSelect(r.id)}
          >
            <span className="run-row-title">
              {runTitle(r)}
              {r.active && <span className="tag tag-active">active</span>}
              {r.decision === 'declined' && <span className="tag">declined</span>}
            </span>
            <span className="run-row-meta">
              <span className={`run-state run-state-${r.state}`}>{r.state}</span>
              {r.kind === 'train' && r.testMiou !== null && <span>MIoU {formatMetric(r.testMiou)}</span>}
              <span className="muted">{formatTime(r.createdAt)}</span>
            </span>
            {p && <progress className="run-row-bar" max={1} value={stageFraction(p)} />}
          </button>
        )
      })}
    </div>
  )
}
