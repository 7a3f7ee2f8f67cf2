import { memo, type MouseEvent } from 'react'
import type { ClassDef, ImageSummary } from '../../../shared/contract'
import type { ClickModifiers } from './gridSelection'

export interface GridCellProps {
  index: number
  item: ImageSummary | undefined
  thumbUrl: string | undefined
  thumbMissing: boolean
  selected: boolean
  /** The frame the keyboard is on (may differ from the selection). */
  cursor?: boolean
  classesById: ReadonlyMap<number, ClassDef>
  onSelect(index: number): void
  /** Replaces onSelect for clicks when the grid multi-selects. */
  onPick?(index: number, mods: ClickModifiers): void
  onOpen(index: number): void
}

export function baseName(relPath: string): string {
  const cut = Math.max(relPath.lastIndexOf('/'), relPath.lastIndexOf('\\'))
  return cut >= 0 ? relPath.slice(cut + 1) : relPath
}

/** One thumbnail with its name, view, status badge and a dot per labelled class. */
export const GridCell = memo(function GridCell(props: GridCellProps) {
  const { index, item, thumbUrl, thumbMissing, selected, cursor = false, classesById, onSelect, onPick, onOpen } = props
  const className = `cell${selected ? ' cell-selected' : ''}${cursor && onPick ? ' cell-cursor' : ''}`
  const onClick = (e: MouseEvent): void => {
    if (!onPick) return onSelect(index)
    onPick(index, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey })
  }
  if (!item) {
    return (
      <div role="gridcell" id={`grid-cell-${index}`} className={`${className} cell-loading`} data-testid="grid-cell" data-index={index} aria-selected={selected} aria-busy="true" onClick={onClick}>
        <div className="cell-thumb" />
        <div className="cell-name cell-skeleton" />
        <div className="cell-meta cell-skeleton" />
      </div>
    )
  }
  const name = baseName(item.relPath)
  const classNames = item.classIds.map((id) => classesById.get(id)?.name ?? `class ${id}`)
  return (
    <div
      role="gridcell"
      id={`grid-cell-${index}`}
      className={className}
      data-testid="grid-cell"
      data-index={index}
      data-image-id={item.id}
      data-view={item.view}
      data-status={item.status}
      data-split={item.split}
      aria-selected={selected}
      aria-label={`${name}, ${item.view}, ${item.status}${classNames.length ? `, ${classNames.join(', ')}` : ''}`}
      onClick={onClick}
      onDoubleClick={() => onOpen(index)}
    >
      <div className="cell-thumb">
        {thumbUrl ? (
          <img src={thumbUrl} alt="" draggable={false} decoding="async" data-testid="cell-thumb" />
        ) : (
          <span className="cell-thumb-empty">{thumbMissing ? 'no preview' : ''}</span>
        )}
      </div>
      <div className="cell-name" title={item.relPath} data-testid="cell-name">
        {name}
      </div>
      <div className="cell-meta">
        <span className="cell-view" data-testid="cell-view">
          {item.view === 'unassigned' ? '—' : item.view}
        </span>
        <span className={`badge status-${item.status}`} data-testid="cell-status">
          {item.status}
        </span>
        <span className="cell-dots" data-testid="cell-classes">
          {item.classIds.map((id, i) => (
            <span
              key={id}
              className="dot"
              title={classNames[i]}
              data-class-id={id}
              style={{ backgroundColor: classesById.get(id)?.color ?? '#888' }}
            />
          ))}
        </span>
      </div>
    </div>
  )
})
