/** A summary's counts by key (per class, split, view), zero counts left out. */
const fmt = new Intl.NumberFormat('en-US')

export function Counts({ title, counts, testId }: { title: string; counts: Record<string, number>; testId: string }) {
  const entries = Object.entries(counts).filter(([, n]) => n > 0)
  if (entries.length === 0) return null
  return (
    <div className="summary-counts" data-testid={testId}>
      <span className="muted">{title}</span>
      {entries.map(([k, n]) => (
        <span key={k} className="summary-count" data-key={k} data-count={n}>
          {k} <b>{fmt.format(n)}</b>
        </span>
      ))}
    </div>
  )
}
