/** Multi-select chips for view, status, class and split, plus a path search. */
import { useEffect, useState } from 'react'
import type { ClassDef, ImageFilter } from '../../shared/contract'
import { IMAGE_STATUSES, SPLITS, UNASSIGNED_VIEW, VIEWS } from '../../shared/domain'

const VIEW_CHOICES = [...VIEWS, UNASSIGNED_VIEW] as const
const SEARCH_DELAY_MS = 250

type ListKey = 'views' | 'statuses' | 'classIds' | 'splits'

function toggled<T>(list: readonly T[] | undefined, value: T): T[] | undefined {
  const current = list ?? []
  const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value]
  return next.length ? next : undefined
}

/** Drops empty members so equal filters serialise equally (the grid keys its reset on that). */
export function normaliseFilter(filter: ImageFilter): ImageFilter {
  const out: ImageFilter = {}
  if (filter.views?.length) out.views = filter.views
  if (filter.statuses?.length) out.statuses = filter.statuses
  if (filter.classIds?.length) out.classIds = filter.classIds
  if (filter.splits?.length) out.splits = filter.splits
  if (filter.search?.trim()) out.search = filter.search.trim()
  if (filter.importId !== undefined) out.importId = filter.importId
  return out
}

export function isEmptyFilter(filter: ImageFilter): boolean {
  return Object.keys(normaliseFilter(filter)).length === 0
}

interface Props {
  filter: ImageFilter
  classes: ClassDef[]
  onChange(filter: ImageFilter): void
}

export function FilterBar({ filter, classes, onChange }: Props) {
  const [search, setSearch] = useState(filter.search ?? '')

  useEffect(() => setSearch(filter.search ?? ''), [filter.search])

  useEffect(() => {
    if ((filter.search ?? '') === search.trim()) return
    const timer = setTimeout(() => onChange(normaliseFilter({ ...filter, search })), SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [search, filter, onChange])

  const toggle = <K extends ListKey>(key: K, value: NonNullable<ImageFilter[K]>[number]) => {
    const list = filter[key] as readonly (typeof value)[] | undefined
    onChange(normaliseFilter({ ...filter, [key]: toggled(list, value) }))
  }

  const chip = (key: ListKey, value: string | number, label: string, testId: string, color?: string) => {
    const list = filter[key] as readonly (string | number)[] | undefined
    const on = list?.includes(value) ?? false
    return (
      <button
        key={`${key}-${value}`}
        type="button"
        className={on ? 'chip chip-on' : 'chip'}
        aria-pressed={on}
        data-testid={testId}
        onClick={() => toggle(key, value as never)}
      >
        {color && <span className="dot" style={{ backgroundColor: color }} />}
        {label}
      </button>
    )
  }

  return (
    <div className="filter-bar" role="toolbar" aria-label="Filters" data-testid="filter-bar">
      <div className="filter-group" role="group" aria-label="View">
        <span className="filter-label">View</span>
        {VIEW_CHOICES.map((v) => chip('views', v, v === UNASSIGNED_VIEW ? 'unassigned' : v, `filter-view-${v}`))}
      </div>
      <div className="filter-group" role="group" aria-label="Status">
        <span className="filter-label">Status</span>
        {IMAGE_STATUSES.map((s) => chip('statuses', s, s, `filter-status-${s}`))}
      </div>
      <div className="filter-group" role="group" aria-label="Class">
        <span className="filter-label">Class</span>
        {classes.length === 0 && <span className="muted">none</span>}
        {classes.map((c) => chip('classIds', c.id, c.name, `filter-class-${c.name}`, c.color))}
      </div>
      <div className="filter-group" role="group" aria-label="Split">
        <span className="filter-label">Split</span>
        {SPLITS.map((s) => chip('splits', s, s, `filter-split-${s}`))}
      </div>
      {filter.importId !== undefined && (
        <div className="filter-group" role="group" aria-label="Import">
          <span className="filter-label">Import</span>
          <button
            type="button"
            className="chip chip-on"
            data-testid="filter-import"
            title="Frames added or replaced by one import; click to show all frames again"
            onClick={() => onChange(normaliseFilter({ ...filter, importId: undefined }))}
          >
            batch #{filter.importId} ✕
          </button>
        </div>
      )}
      <div className="filter-group filter-search">
        <input
          type="search"
          placeholder="Search path…"
          aria-label="Search by path"
          data-testid="filter-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="button" className="chip" data-testid="filter-clear" disabled={isEmptyFilter(filter)} onClick={() => onChange({})}>
          Clear
        </button>
      </div>
    </div>
  )
}
