/** Above the panes: what T would add (confirm or cancel), and the last verdict with its Undo. */
import type { AcceptPreview, ClassDef } from '../../../shared/contract'
import { plural, type LastAction, type Proposal } from './useVerdicts'

function describeAdd(p: AcceptPreview, classes: readonly ClassDef[]): string {
  const counts = new Map<number, number>()
  for (const x of p.add) counts.set(x.classId, (counts.get(x.classId) ?? 0) + 1)
  return [...counts].map(([id, n]) => `${classes.find((c) => c.id === id)?.name ?? `class ${id}`} ${n}`).join(', ')
}

export interface VerdictNotesProps {
  /** Shown only while it belongs to the shown frame. */
  proposal: Proposal | null
  shownId: number | null
  lastAction: LastAction | null
  classes: readonly ClassDef[]
  busy: boolean
  onConfirm(): void
  onCancel(): void
  onUndo(): void
  onDismiss(): void
}

export function VerdictNotes({ proposal, shownId, lastAction, classes, busy, onConfirm, onCancel, onUndo, onDismiss }: VerdictNotesProps) {
  return (
    <div className="review-notes">
      {proposal && shownId === proposal.imageId && (
        <div className={`review-note review-preview${proposal.testFrame ? ' review-pending' : ''}`} data-testid="t-preview" data-count={proposal.preview.add.length}>
          <strong>T adds {plural(proposal.preview.add.length, 'polygon')}</strong> ({describeAdd(proposal.preview, classes)}, outlined on the frame) as one step you
          can undo.{' '}
          {proposal.testFrame && (
            <span data-testid="t-preview-test">
              This is a <b>test</b> frame: the verdict is recorded and waits for an inspector to confirm it in the editor; nothing changes now.{' '}
            </span>
          )}
          <button type="button" className="primary" data-testid="t-confirm" disabled={busy} onClick={onConfirm}>
            <kbd>T</kbd>/<kbd>Enter</kbd> {proposal.testFrame ? 'Record' : 'Add'}
          </button>{' '}
          <button type="button" data-testid="t-cancel" onClick={onCancel}>
            <kbd>Esc</kbd> Cancel
          </button>
        </div>
      )}
      {lastAction && (
        <div className="review-note review-undo" data-testid="last-verdict" data-undoable={lastAction.undoable}>
          {lastAction.text}{' '}
          {lastAction.undoable && (
            <button type="button" data-testid="undo-verdict" disabled={busy} onClick={onUndo}>
              <kbd>Ctrl+Z</kbd> Undo
            </button>
          )}{' '}
          <button type="button" className="link" onClick={onDismiss}>
            ×
          </button>
        </div>
      )}
    </div>
  )
}
