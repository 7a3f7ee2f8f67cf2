/**
 * Geometry of the virtualised thumbnail grid: which rows are on screen, where
 * the selection moves on a key press, and how far to scroll to reveal it.
 * Pure functions so the maths is tested without a browser.
 */

export interface GridGeometry {
  /** Cells per row (at least 1). */
  columns: number
  /** Height of one row including the gap below it, in CSS pixels. */
  rowHeight: number
}

/** Cells that fit across `width` when each takes `cellWidth` plus `gap` between them. */
export function columnsFor(width: number, cellWidth: number, gap: number): number {
  if (!(width > 0) || !(cellWidth > 0)) return 1
  return Math.max(1, Math.floor((width + gap) / (cellWidth + gap)))
}

export function rowCount(total: number, columns: number): number {
  if (total <= 0) return 0
  return Math.ceil(total / Math.max(1, columns))
}

/** Rows to render: [first, end) covering the viewport plus `overscan` rows either side. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  totalRows: number,
  overscan: number
): { first: number; end: number } {
  if (totalRows <= 0 || rowHeight <= 0) return { first: 0, end: 0 }
  const top = Math.max(0, scrollTop)
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan)
  const end = Math.min(totalRows, Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight) + overscan)
  return { first: Math.min(first, end), end }
}

/** Rows wholly visible in the viewport, used as the PageUp/PageDown stride. */
export function rowsPerPage(viewportHeight: number, rowHeight: number): number {
  if (rowHeight <= 0) return 1
  return Math.max(1, Math.floor(viewportHeight / rowHeight))
}

export type GridKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown'

export const GRID_KEYS: ReadonlySet<string> = new Set<GridKey>([
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'Home',
  'End',
  'PageUp',
  'PageDown'
])

/**
 * Where the selection goes after `key`. A grid with no selection (-1) starts
 * at the first cell. Vertical moves keep the column; moving down from a row
 * above a short last row lands on the last cell rather than doing nothing, as
 * file managers do.
 */
export function moveSelection(key: GridKey, index: number, total: number, columns: number, pageRows: number): number {
  if (total <= 0) return -1
  const last = total - 1
  const cols = Math.max(1, columns)
  if (index < 0 || index > last) return key === 'End' ? last : 0
  switch (key) {
    case 'ArrowLeft':
      return Math.max(0, index - 1)
    case 'ArrowRight':
      return Math.min(last, index + 1)
    case 'ArrowUp':
      return index - cols >= 0 ? index - cols : index
    case 'ArrowDown':
      return downBy(index, cols, last, 1)
    case 'PageUp': {
      const target = index - cols * Math.max(1, pageRows)
      return target >= 0 ? target : index % cols
    }
    case 'PageDown':
      return downBy(index, cols, last, Math.max(1, pageRows))
    case 'Home':
      return 0
    case 'End':
      return last
  }
}

function downBy(index: number, cols: number, last: number, rows: number): number {
  const target = index + cols * rows
  if (target <= last) return target
  // Past the end: stop on the last cell if it lies on a later row.
  const lastRow = Math.floor(last / cols)
  return Math.floor(index / cols) < lastRow ? last : index
}

/**
 * The scrollTop that brings `index`'s row fully into view with the least
 * movement. `offsetTop` is the padding above the first row.
 */
export function scrollTopToReveal(
  index: number,
  geometry: GridGeometry,
  scrollTop: number,
  viewportHeight: number,
  offsetTop = 0
): number {
  if (index < 0) return scrollTop
  const row = Math.floor(index / Math.max(1, geometry.columns))
  const top = offsetTop + row * geometry.rowHeight
  const bottom = top + geometry.rowHeight
  if (top < scrollTop) return row === 0 ? 0 : top
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight)
  return scrollTop
}

/** Indices [first, end) of the cells in rows [firstRow, endRow), clipped to `total`. */
export function indexRange(firstRow: number, endRow: number, columns: number, total: number): { first: number; end: number } {
  const first = Math.min(total, firstRow * columns)
  const end = Math.min(total, endRow * columns)
  return { first, end: Math.max(first, end) }
}
