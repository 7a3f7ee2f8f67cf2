/**
 * Virtualised thumbnail grid: a tall spacer sized for every row, and only the
 * rows on screen (plus a little overscan) in the DOM, absolutely positioned.
 * Keyboard focus stays on the scroller; the selected cell is announced with
 * aria-activedescendant.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type KeyboardEvent, type ReactNode } from 'react'
import type { ClassDef } from '../../../shared/contract'
import { GridCell } from './GridCell'
import type { GridData } from './gridData'
import type { ClickModifiers } from './gridSelection'
import {
  GRID_KEYS,
  columnsFor,
  indexRange,
  moveSelection,
  rowCount,
  rowsPerPage,
  scrollTopToReveal,
  visibleRows,
  type GridKey
} from './gridLayout'

/** Keep in step with .cell / .grid-row in styles.css. */
export const CELL_WIDTH = 184
export const CELL_HEIGHT = 216
export const GAP = 8
export const PADDING = 12
export const ROW_HEIGHT = CELL_HEIGHT + GAP
const OVERSCAN = 2

export interface ThumbnailGridProps {
  data: GridData
  classes: ClassDef[]
  selected: number
  onSelect(index: number): void
  onOpen(index: number): void
  /** `I`: the selected frame's details. */
  onInfo?(index: number): void
  /** Scroll back to the top whenever this changes (a new filter). */
  resetKey: string
  empty: ReactNode
  /** Multi-select (see gridSelection.ts); without it the cursor's cell is the selection. */
  isSelected?(index: number, id: number | undefined): boolean
  /** A click, with Shift (range) or Ctrl/Cmd (toggle); the cursor moves there too. */
  onPick?(index: number, mods: ClickModifiers): void
  /** An arrow key moved the cursor to `index`; with Shift it extends the range. */
  onMove?(index: number, shift: boolean): void
  /** Ctrl/Cmd+A, Esc, Ctrl/Cmd+Z. */
  onCommand?(command: 'all' | 'none' | 'undo'): void
}

export function ThumbnailGrid({ data, classes, selected, onSelect, onOpen, onInfo, resetKey, empty, isSelected, onPick, onMove, onCommand }: ThumbnailGridProps) {
  useSyncExternalStore(data.subscribe, data.getVersion)
  const scroller = useRef<HTMLDivElement>(null)
  const [viewport, setViewport] = useState({ width: 0, height: 0 })
  const [scrollTop, setScrollTop] = useState(0)

  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    const measure = () => setViewport({ width: el.clientWidth, height: el.clientHeight })
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(el)
    return () => observer.disconnect()
  }, [])

  const total = data.getTotal()
  const count = total ?? 0
  const columns = columnsFor(viewport.width - 2 * PADDING, CELL_WIDTH, GAP)
  const rows = rowCount(count, columns)
  const range = visibleRows(scrollTop - PADDING, viewport.height, ROW_HEIGHT, rows, OVERSCAN)
  const cells = indexRange(range.first, range.end, columns, count)

  useEffect(() => {
    data.setVisible(cells.first, cells.end)
  }, [data, cells.first, cells.end])

  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    el.scrollTop = 0
    setScrollTop(0)
  }, [resetKey])

  // Keep the selection in view when it moves or the layout reflows.
  useLayoutEffect(() => {
    const el = scroller.current
    if (!el || selected < 0 || viewport.height === 0) return
    const top = scrollTopToReveal(selected, { columns, rowHeight: ROW_HEIGHT }, el.scrollTop, el.clientHeight, PADDING)
    if (top !== el.scrollTop) {
      el.scrollTop = top
      setScrollTop(el.scrollTop)
    }
  }, [selected, columns, viewport.height])

  const onScroll = useCallback(() => {
    const el = scroller.current
    if (el) setScrollTop(el.scrollTop)
  }, [])

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const mod = e.ctrlKey || e.metaKey
    if (onCommand && mod && !e.altKey && !e.shiftKey && (e.key === 'a' || e.key === 'A' || e.key === 'z' || e.key === 'Z')) {
      e.preventDefault()
      onCommand(e.key === 'a' || e.key === 'A' ? 'all' : 'undo')
      return
    }
    if (onCommand && e.key === 'Escape' && !mod) onCommand('none')
    if (e.altKey || e.metaKey) return
    if (GRID_KEYS.has(e.key)) {
      e.preventDefault()
      const next = moveSelection(e.key as GridKey, selected, count, columns, rowsPerPage(viewport.height, ROW_HEIGHT))
      if (next !== selected && next >= 0) {
        onSelect(next)
        onMove?.(next, e.shiftKey)
      }
    } else if (e.key === 'Enter' && selected >= 0 && selected < count) {
      e.preventDefault()
      onOpen(selected)
    } else if ((e.key === 'i' || e.key === 'I') && !e.ctrlKey && onInfo && selected >= 0 && selected < count) {
      e.preventDefault()
      onInfo(selected)
    }
  }

  const classesById = useMemo(() => new Map(classes.map((c) => [c.id, c])), [classes])

  const rowElements: ReactNode[] = []
  for (let r = range.first; r < range.end; r++) {
    const rowCells: ReactNode[] = []
    for (let c = 0; c < columns; c++) {
      const index = r * columns + c
      if (index >= count) break
      const item = data.item(index)
      rowCells.push(
        <GridCell
          key={index}
          index={index}
          item={item}
          thumbUrl={item ? data.thumbUrl(item.id) : undefined}
          thumbMissing={item ? data.thumbMissing(item.id) : false}
          selected={isSelected ? isSelected(index, item?.id) : index === selected}
          cursor={index === selected}
          classesById={classesById}
          onSelect={onSelect}
          {...(onPick ? { onPick } : {})}
          onOpen={onOpen}
        />
      )
    }
    rowElements.push(
      <div key={r} role="row" aria-rowindex={r + 1} className="grid-row" style={{ transform: `translateY(${PADDING + r * ROW_HEIGHT}px)` }}>
        {rowCells}
      </div>
    )
  }

  const activeRendered = selected >= cells.first && selected < cells.end
  return (
    <div
      ref={scroller}
      className="grid-scroller"
      data-testid="grid"
      data-columns={columns}
      data-total={total ?? ''}
      data-first-index={cells.first}
      data-end-index={cells.end}
      role="grid"
      aria-label="Images"
      aria-multiselectable={isSelected ? true : undefined}
      aria-rowcount={rows}
      aria-colcount={columns}
      aria-busy={total === null}
      aria-activedescendant={activeRendered ? `grid-cell-${selected}` : undefined}
      tabIndex={0}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
    >
      {total === 0 ? (
        <div className="grid-empty" data-testid="grid-empty">
          {empty}
        </div>
      ) : (
        <div role="rowgroup" className="grid-spacer" style={{ height: rows * ROW_HEIGHT + 2 * PADDING }}>
          {rowElements}
        </div>
      )}
    </div>
  )
}
