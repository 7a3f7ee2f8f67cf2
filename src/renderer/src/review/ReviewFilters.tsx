/** The review's filters: class, view, split and verdict, as toggle chips. */
import type { ReactNode } from 'react'
import type { ClassDef, ReviewFilter, ReviewVerdictName } from '../../../shared/contract'
import { SPLITS, VIEWS, type Split, type View } from '../../../shared/domain'

export const VERDICT_LABELS: Record<ReviewVerdictName | 'none', string> = {
  none: 'no verdict',
  true_defect: 'true defect',
  false_positive: 'false positive',
  missed_defect: 'missed defect'
}
const VERDICTS = ['none', 'true_defect', 'false_positive', 'missed_defect'] as const

function toggle<T>(list: readonly T[] | undefined, v: T): T[] | undefined {
  const has = list?.includes(v) ?? false
  const next = has ? (list ?? []).filter((x) => x !== v) : [...(list ?? []), v]
  return next.length ? next : undefined
}

function Chip({ on, onClick, children, testId }: { on: boolean; onClick(): void; children: ReactNode; testId: string }) {
  return (
    <button type="button" className={on ? 'chip chip-on' : 'chip'} aria-pressed={on} data-testid={testId} onClick={onClick}>
      {children}
    </button>
  )
}

function set(filter: ReviewFilter, key: keyof ReviewFilter, value: unknown[] | undefined): ReviewFilter {
  const next = { ...filter } as Record<string, unknown>
  if (value === undefined) delete next[key]
  else next[key] = value
  return next as ReviewFilter
}

export function ReviewFilters({
  filter,
  classes,
  untrained,
  onChange
}: {
  filter: ReviewFilter
  classes: ClassDef[]
  /** Classes the model has no output for (filtering on one finds nothing: it is never counted). */
  untrained?: ReadonlySet<number>
  onChange(f: ReviewFilter): void
}) {
  return (
    <div className="review-filters" data-testid="review-filters">
      <span className="filter-label">Class</span>
      {classes.map((c) => (
        <Chip key={c.id} testId={`rf-class-${c.name}`} on={filter.classIds?.includes(c.id) ?? false} onClick={() => onChange(set(filter, 'classIds', toggle(filter.classIds, c.id)))}>
          <span className="dot" style={{ background: c.color }} /> {c.name}
          {untrained?.has(c.id) && <span className="muted"> · not trained</span>}
        </Chip>
      ))}
      <span className="filter-label">View</span>
      {VIEWS.map((v: View) => (
        <Chip key={v} testId={`rf-view-${v}`} on={filter.views?.includes(v) ?? false} onClick={() => onChange(set(filter, 'views', toggle(filter.views, v)))}>
          {v}
        </Chip>
      ))}
      <span className="filter-label">Split</span>
      {SPLITS.map((s: Split) => (
        <Chip key={s} testId={`rf-split-${s}`} on={filter.splits?.includes(s) ?? false} onClick={() => onChange(set(filter, 'splits', toggle(filter.splits, s)))}>
          {s}
        </Chip>
      ))}
      <span className="filter-label">Verdict</span>
      {VERDICTS.map((v) => (
        <Chip key={v} testId={`rf-verdict-${v}`} on={filter.verdicts?.includes(v) ?? false} onClick={() => onChange(set(filter, 'verdicts', toggle(filter.verdicts, v)))}>
          {VERDICT_LABELS[v]}
        </Chip>
      ))}
    </div>
  )
}
