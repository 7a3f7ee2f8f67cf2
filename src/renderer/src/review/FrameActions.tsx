/** Over the panes: where the frame sits in the queue, the verdict keys as buttons, the class shown and the difference view. */
import type { ClassDef, ReviewQueue, ReviewVerdictName } from '../../../shared/contract'
import type { Focus } from './Panes'
import { VERDICT_LABELS } from './ReviewFilters'
import type { Busy } from './useVerdicts'

export interface FrameActionsProps {
  item: ReviewQueue['items'][number] | null
  index: number
  total: number
  busy: Busy
  classes: ClassDef[]
  untrained: ReadonlySet<number>
  focus: Focus
  onFocus(f: Focus): void
  diff: boolean
  onDiff(on: boolean): void
  onAct(verdict: ReviewVerdictName): void
  onEdit(): void
}

export function FrameActions({ item, index, total, busy, classes, untrained, focus, onFocus, diff, onDiff, onAct, onEdit }: FrameActionsProps) {
  const frameFacts = item ? `${item.relPath} · ${item.view} · ${item.split} · ${item.status}` : ''
  return (
    <div className="review-actions">
      <span className="review-facts muted" title={frameFacts}>
        {index >= 0 ? `${index + 1} / ${total} · ${frameFacts}` : ''}
        {item?.verdict && ` · ${VERDICT_LABELS[item.verdict.verdict]} (${item.verdict.author}${item.verdict.state === 'pending' ? ', waiting for confirmation' : ''})`}
      </span>
      <button
        type="button"
        data-testid="act-true"
        disabled={!item || busy !== null}
        onClick={() => onAct('true_defect')}
        title={
          item?.split === 'test'
            ? 'Test frame: shows what would be added; the verdict then waits for confirmation in the editor'
            : 'Shows the predicted pieces it would add as labels; press again to add them'
        }
      >
        <kbd>T</kbd> True defect
      </button>
      <button
        type="button"
        data-testid="act-fp"
        disabled={!item || busy !== null}
        onClick={() => onAct('false_positive')}
        title={item?.split === 'test' ? 'Test frame: recorded, waits for confirmation in the editor' : 'The frame stays or becomes normal'}
      >
        <kbd>F</kbd> False positive
      </button>
      <button type="button" data-testid="act-missed" disabled={!item || busy !== null} onClick={() => onAct('missed_defect')} title="Opens the editor to draw it">
        <kbd>M</kbd> Missed defect
      </button>
      <button type="button" data-testid="act-edit" disabled={!item} onClick={onEdit}>
        <kbd>E</kbd> Edit
      </button>
      <label className="review-focus">
        Class{' '}
        <select
          value={String(focus)}
          data-testid="review-focus"
          onChange={(e) => onFocus(e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value))}
        >
          <option value="all">all defect classes</option>
          {classes.map((c) => (
            <option key={c.id} value={c.id} disabled={untrained.has(c.id)}>
              {c.name}
              {untrained.has(c.id) ? ' (not trained)' : ''}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={diff} data-testid="review-diff" onChange={(e) => onDiff(e.currentTarget.checked)} /> <kbd>X</kbd> difference
      </label>
    </div>
  )
}
