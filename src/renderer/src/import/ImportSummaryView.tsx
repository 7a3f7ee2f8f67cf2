/** How an import ended: counts, new classes, failures and notes, and a way to the frames it brought. */
import type { ImportSummary } from '../../../shared/contract'
import { Counts } from '../SummaryCounts'

export function ImportSummaryView({ summary, onShowFrames }: { summary: ImportSummary; onShowFrames?: ((importId: number) => void) | undefined }) {
  const inBatch = summary.imported + (summary.replaced ?? 0)
  const problems = [...summary.failed, ...summary.labels.failed]
  const notes = [...(summary.skipped ?? []), ...(summary.notes ?? [])]
  return (
    <>
      {summary.cancelled && <p className="warn-text">Cancelled: the files imported before cancelling stay in the workspace.</p>}
      <div className="summary-grid">
        <div>
          <b data-testid="import-imported">{summary.imported}</b> imported
        </div>
        <div>
          <b data-testid="import-duplicates">{summary.duplicates}</b> duplicates skipped
        </div>
        {summary.replaced ? (
          <div title="Files at an imported path whose bytes changed: the frame took the new file, kept its labels and went to review">
            <b data-testid="import-replaced">{summary.replaced}</b> replaced in place
          </div>
        ) : null}
        <div>
          <b data-testid="import-failed-count">{summary.failed.length}</b> failed
        </div>
        <div>
          <b>{summary.found}</b> found in {summary.seconds.toFixed(1)} s
        </div>
        <div>
          <b data-testid="import-labels">{summary.labels.imported}</b> labels from {summary.labels.files} files
        </div>
        {summary.labels.dropped > 0 && (
          <div>
            <b data-testid="import-dropped">{summary.labels.dropped}</b> labels skipped by the mapping
          </div>
        )}
      </div>
      <Counts title="Views" counts={summary.byView} testId="import-by-view" />
      <Counts title="Splits" counts={summary.bySplit} testId="import-by-split" />
      {summary.labels.createdClasses.length > 0 && (
        <p className="muted" data-testid="import-new-classes">
          New classes: {summary.labels.createdClasses.join(', ')}
        </p>
      )}
      {summary.importId !== undefined && onShowFrames && inBatch > 0 && (
        <p>
          <button type="button" data-testid="import-show-frames" onClick={() => onShowFrames(summary.importId!)}>
            Show the {inBatch} frame{inBatch === 1 ? '' : 's'} of this import in the grid
          </button>
        </p>
      )}
      <IssueList title="Failed files" testId="import-failed" items={problems} />
      <IssueList title="Skipped and notes" testId="import-notes" items={notes} />
    </>
  )
}

/** Files with a reason each, folded away when there are many. */
/** Files with their reasons, folded when long; `limit` caps how many are drawn (a list still growing). */
export function IssueList({
  title,
  testId,
  items,
  open = items.length <= 10,
  limit
}: {
  title: string
  testId?: string
  items: readonly { path: string; reason: string }[]
  open?: boolean
  limit?: number
}) {
  if (items.length === 0) return null
  return (
    <details className="failed-list" open={open}>
      <summary>{title}</summary>
      <ul data-testid={testId}>
        {(limit === undefined ? items : items.slice(0, limit)).map((f, i) => (
          <li key={`${f.path}-${i}`}>
            <span className="failed-path">{f.path}</span>
            <span className="failed-reason">{f.reason}</span>
          </li>
        ))}
      </ul>
    </details>
  )
}
