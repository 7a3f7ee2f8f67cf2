/** A run's live progress: the stages it goes through, a bar with the ETA, speed and running loss. */
import type { RunSummary } from '../../../shared/contract'
import { formatEta, formatLoss, stageFraction, stageName } from './format'
import { overallFraction, plannedStages } from './plan'
import { useRunLive } from './runLive'

interface Props {
  run: RunSummary
  /** The run's stored config (runs.get), for its stages; null while not loaded. */
  config: unknown
}

export function RunProgressView({ run, config }: Props) {
  const live = useRunLive()
  const p = live.progress(run.id) ?? run.progress
  const stages = plannedStages(run, config)
  const inStage = p ? stageFraction(p) : 0
  const overall = overallFraction(stages, p?.stage ?? null, inStage)
  const current = p ? stages.indexOf(p.stage) : -1
  const pct = overall !== null ? Math.round(overall * 100) : null
  let line: string
  if (run.state === 'queued') line = 'Queued: it starts when the training before it ends.'
  else if (run.state === 'cancelling') line = 'Cancelling after the current step…'
  else if (!p) line = 'Starting the ML process…'
  else {
    const parts = [stageName(p.stage)]
    if (p.epochs > 0) parts.push(`epoch ${p.epoch}/${p.epochs}`)
    if (p.steps > 0) parts.push(`${p.epochs > 0 ? 'step' : 'frame'} ${p.step}/${p.steps}`)
    if (p.loss !== null) parts.push(`loss ${formatLoss(p.loss)}`)
    if (p.imagesPerSec > 0) parts.push(`${p.imagesPerSec.toFixed(1)} img/s`)
    line = parts.join(' · ')
  }
  const eta = p ? formatEta(p.etaSec) : ''
  return (
    <div className="run-progress" data-testid="run-progress" data-run-id={run.id} data-state={run.state} data-stage={p?.stage ?? ''} data-epoch={p?.epoch ?? ''} data-fraction={overall ?? ''}>
      {stages.length > 1 && (
        <ol className="stage-steps" aria-label="Stages">
          {stages.map((s, i) => (
            <li key={s} className={i < current ? 'stage-done' : i === current ? 'stage-current' : 'stage-todo'} data-stage={s}>
              {stageName(s)}
            </li>
          ))}
        </ol>
      )}
      <div className="run-bar">
        <progress max={1} value={overall ?? undefined} aria-label="Run progress" />
        <span className="run-pct">{pct !== null ? `${pct} %` : ''}</span>
      </div>
      <div className="run-progress-text">
        <span data-testid="run-progress-line">{line}</span>
        {eta && (
          <span className="muted" data-testid="run-eta" title="Estimated by the ML process for the stage it is in">
            {eta}
            {current >= 0 && current < stages.length - 1 ? ' in this stage' : ''}
          </span>
        )}
      </div>
    </div>
  )
}
