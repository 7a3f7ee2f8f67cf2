/** Frames and labels an export leaves out, grouped by why, each group opening to its paths. */
import type { ImportIssue } from '../../../shared/contract'
import { groupSkipped } from './exportForm'

/** Paths listed per group; the manifest (and the CLI's --json) hold them all. */
const SHOWN_PER_GROUP = 200

export function SkippedList({ skipped, testId }: { skipped: readonly ImportIssue[]; testId: string }) {
  if (skipped.length === 0) return null
  const groups = groupSkipped(skipped)
  return (
    <div className="export-skipped" data-testid={testId} data-count={skipped.length}>
      <div className="muted">Left out: {skipped.length}</div>
      {groups.map((g) => (
        <details key={g.reason} className="failed-list" data-testid={`${testId}-group`} data-count={g.items.length}>
          <summary>
            <b>{g.items.length}</b> {g.reason}
          </summary>
          <ul>
            {g.items.slice(0, SHOWN_PER_GROUP).map((s, i) => (
              <li key={`${s.path}-${i}`}>
                <span className="failed-path">{s.path}</span>
                {/* Said once in the group's line when every item says the same. */}
                {s.reason !== g.reason && <span className="failed-reason">{s.reason}</span>}
              </li>
            ))}
            {g.items.length > SHOWN_PER_GROUP && <li className="muted">… and {g.items.length - SHOWN_PER_GROUP} more (all listed in manifest.json after the export)</li>}
          </ul>
        </details>
      ))}
    </div>
  )
}
