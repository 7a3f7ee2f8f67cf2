/** The class history, newest first: what changed, who, when, and whether it was undone. */
import type { ClassChange } from '../../../shared/contract/namespaces/classes'

export function ClassHistoryList({ history }: { history: ClassChange[] | null }) {
  if (!history) return null
  return (
    <section className="classes-history" data-testid="class-history">
      <h3>History</h3>
      {history.length === 0 ? (
        <p className="muted">No class changes yet.</p>
      ) : (
        <ol>
          {history.map((c) => (
            <li key={c.id} data-testid="class-history-entry" data-op={c.op} data-undone={c.undoneAt ? 'true' : 'false'} className={c.undoneAt ? 'classes-undone' : undefined}>
              <span className="classes-summary">{c.summary}</span>{' '}
              <span className="muted">
                {c.author} · {new Date(c.at).toLocaleString()}
                {c.undoneAt && ` · undone by ${c.undoneBy ?? '?'} ${new Date(c.undoneAt).toLocaleString()}`}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
