/** The running phase of a dialog's job (import, export): its bar, counts, ETA, and Run in background / Cancel. */
import type { DialogJob } from './dialogJob'

const fmt = new Intl.NumberFormat('en-US')

function formatEta(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec)) return ''
  if (sec < 60) return `${Math.ceil(sec)} s left`
  return `${Math.floor(sec / 60)} min ${Math.ceil(sec % 60)} s left`
}

interface Props {
  /** Test ids and labels: `${what}-progress`, `${what}-background`, `${what}-cancel`. */
  what: 'import' | 'export'
  run: DialogJob
  /** What the counts count ("files", "frames"). */
  unit: string
  waiting: string
  backgroundTitle: string
  onBackground(): void
}

export function JobProgress({ what, run, unit, waiting, backgroundTitle, onBackground }: Props) {
  const job = run.job
  const known = job !== undefined && job.total > 0
  const percent = known ? Math.min(100, (100 * job.done) / job.total) : 0
  return (
    <div className="import-progress" data-testid={`${what}-progress`} data-done={job?.done ?? 0} data-total={job?.total ?? 0}>
      <progress max={known ? job.total : undefined} value={known ? job.done : undefined} aria-label={`${what === 'import' ? 'Import' : 'Export'} progress`} />
      <div className="progress-text">
        <span>{known ? `${fmt.format(job.done)} / ${fmt.format(job.total)} ${unit}` : waiting}</span>
        <span className="muted">{known ? `${percent.toFixed(0)} %` : ''}</span>
        <span className="muted">{formatEta(job?.etaSec)}</span>
      </div>
      {job?.message && <div className="progress-message muted">{job.message}</div>}
      <div className="modal-actions">
        <button type="button" data-testid={`${what}-background`} onClick={onBackground} title={backgroundTitle}>
          Run in background
        </button>
        <button type="button" className="danger" data-testid={`${what}-cancel`} disabled={run.cancelling} onClick={() => void run.cancel()}>
          {run.cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    </div>
  )
}
