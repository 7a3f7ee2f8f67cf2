/** Running background jobs in the header, so an import sent to the background stays visible. */
import { useJobs } from './jobs'

export function JobIndicator() {
  const jobs = useJobs()
  const active = jobs.active()
  if (active.length === 0) return null
  return (
    <div className="job-indicator" data-testid="job-indicator" aria-live="polite">
      {active.map((j) => {
        const pct = j.total > 0 ? Math.round((100 * j.done) / j.total) : null
        return (
          <span key={j.jobId} className="job" data-job-id={j.jobId} data-kind={j.kind} title={j.message}>
            <span className="spinner" aria-hidden="true" />
            {j.kind} {j.state === 'cancelling' ? 'cancelling' : pct !== null ? `${pct} %` : '…'}
          </span>
        )
      })}
    </div>
  )
}
