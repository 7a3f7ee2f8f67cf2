/** Counts per view, status and class: for the current filter, and for the whole workspace next to them. */
import type { ClassDef, ImageStats } from '../../shared/contract'
import { IMAGE_STATUSES, UNASSIGNED_VIEW, VIEWS } from '../../shared/domain'

interface Props {
  filtered: ImageStats | null
  overall: ImageStats | null
  classes: ClassDef[]
  filterActive: boolean
  selected: number
}

const fmt = new Intl.NumberFormat('en-US')

function count(stats: ImageStats | null, group: 'byView' | 'byStatus' | 'byClass', key: string): number | null {
  if (!stats) return null
  return stats[group][key] ?? 0
}

function Figure({ testId, label, value, all, filterActive, color }: { testId: string; label: string; value: number | null; all: number | null; filterActive: boolean; color?: string }) {
  return (
    <span className="status-item" data-testid={testId} data-count={value ?? ''} data-overall={all ?? ''} title={all !== null ? `${label}: ${value ?? '…'} shown, ${all} in the workspace` : label}>
      {color && <span className="dot" style={{ backgroundColor: color }} />}
      <span className="status-label">{label}</span>
      <span className="status-value">{value === null ? '…' : fmt.format(value)}</span>
      {filterActive && all !== null && <span className="status-all">/{fmt.format(all)}</span>}
    </span>
  )
}

export function StatusBar({ filtered, overall, classes, filterActive, selected }: Props) {
  const views = [...VIEWS, UNASSIGNED_VIEW]
  return (
    <footer className="status-bar" data-testid="status-bar" aria-label="Counts">
      <span className="status-item status-total" data-testid="status-filter-total" data-count={filtered?.total ?? ''}>
        <span className="status-value">{filtered ? fmt.format(filtered.total) : '…'}</span>
        <span className="status-label">{filterActive ? 'shown' : 'images'}</span>
      </span>
      <span className="status-item" data-testid="status-overall-total" data-count={overall?.total ?? ''}>
        <span className="status-label">of</span>
        <span className="status-value">{overall ? fmt.format(overall.total) : '…'}</span>
      </span>
      {selected >= 0 && filtered && filtered.total > 0 && (
        <span className="status-item muted" data-testid="status-position">
          #{fmt.format(selected + 1)}
        </span>
      )}
      <span className="status-sep" />
      {views.map((v) => {
        const all = count(overall, 'byView', v)
        // Unassigned only earns space when there is some.
        if (v === UNASSIGNED_VIEW && !all) return null
        return <Figure key={v} testId={`status-view-${v}`} label={v} value={count(filtered, 'byView', v)} all={all} filterActive={filterActive} />
      })}
      <span className="status-sep" />
      {IMAGE_STATUSES.map((s) => (
        <Figure key={s} testId={`status-status-${s}`} label={s} value={count(filtered, 'byStatus', s)} all={count(overall, 'byStatus', s)} filterActive={filterActive} />
      ))}
      <span className="status-sep" />
      {classes.map((c) => (
        <Figure
          key={c.id}
          testId={`status-class-${c.name}`}
          label={c.name}
          value={count(filtered, 'byClass', String(c.id))}
          all={count(overall, 'byClass', String(c.id))}
          filterActive={filterActive}
          color={c.color}
        />
      ))}
    </footer>
  )
}
