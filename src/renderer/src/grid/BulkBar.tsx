/**
 * The bar above the grid: how many frames are selected and what can be done
 * to all of them at once. Actions that are undone with one click run at once;
 * removing, and moving frames a run evaluated on, ask first with the count.
 */
import type { BulkAction, BulkPreview } from '../../../shared/contract/namespaces/images'
import { SPLITS, VIEWS } from '../../../shared/domain'

const fmt = new Intl.NumberFormat('en-US')
const frames = (n: number): string => `${fmt.format(n)} frame${n === 1 ? '' : 's'}`

/** What the bar asks before an action that needs a yes. */
export interface PendingConfirm {
  action: BulkAction
  preview: BulkPreview
}

export interface BulkBarProps {
  count: number
  busy: boolean
  /** The last action's sentence, and whether Undo can take it back. */
  note: { text: string; error?: boolean } | null
  canUndo: boolean
  confirm: PendingConfirm | null
  onAction(action: BulkAction): void
  onConfirm(): void
  onCancelConfirm(): void
  onUndo(): void
  onSelectAll(): void
  onClear(): void
  onExport?: () => void
  /** Removals not undone yet, newest first, from this session or earlier ones. */
  removed: readonly { token: number; label: string }[]
  onRestore(token: number): void
}

export function confirmText({ action, preview }: PendingConfirm): { question: string; warnings: string[]; yes: string } {
  const warnings: string[] = []
  if (preview.usedByRuns > 0) {
    warnings.push(
      `${frames(preview.usedByRuns)} ${preview.usedByRuns === 1 ? 'was' : 'were'} used by a finished run's validation or test set: its figures will no longer match the workspace.`
    )
  }
  if (action.kind === 'split') {
    if (preview.groupMembers > 0) warnings.push(`${frames(preview.groupMembers)} not selected move too: they share a split group (a coil) with selected frames.`)
    return { question: `Move ${frames(preview.changes)} to ${action.split}?`, warnings, yes: `Move ${frames(preview.changes)}` }
  }
  return {
    question: `Remove ${frames(preview.changes)} from the workspace?`,
    warnings: [
      'The image files stay where they are; the frames, their labels and their history are kept, and Undo puts them back.',
      ...warnings
    ],
    yes: `Remove ${frames(preview.changes)}`
  }
}

export function BulkBar(props: BulkBarProps) {
  const { count, busy, note, canUndo, confirm, onAction, onConfirm, onCancelConfirm, onUndo, onSelectAll, onClear, onExport, removed, onRestore } = props
  const off = count === 0 || busy || confirm !== null
  if (confirm) {
    const text = confirmText(confirm)
    return (
      <div className="bulk-bar bulk-confirm" role="alertdialog" aria-label={text.question} data-testid="bulk-confirm" data-count={confirm.preview.changes}>
        <strong>{text.question}</strong>
        {text.warnings.map((w) => (
          <span key={w} className={w.includes('finished run') ? 'warn-text' : 'muted'} data-testid="bulk-warning">
            {w}
          </span>
        ))}
        <span className="bulk-spacer" />
        <button type="button" className={confirm.action.kind === 'remove' ? 'danger' : 'primary'} data-testid="bulk-confirm-yes" disabled={busy} onClick={onConfirm} autoFocus>
          {text.yes}
        </button>
        <button type="button" data-testid="bulk-confirm-no" onClick={onCancelConfirm}>
          Cancel
        </button>
      </div>
    )
  }
  return (
    <div className="bulk-bar" role="toolbar" aria-label="Selected frames" data-testid="bulk-bar">
      <span className="bulk-count" data-testid="selection-count" data-count={count}>
        {count === 0 ? 'None selected' : `${fmt.format(count)} selected`}
      </span>
      <button type="button" className="link" onClick={onSelectAll} disabled={busy} title="Ctrl+A">
        All
      </button>
      <button type="button" className="link" onClick={onClear} disabled={busy || count === 0} title="Esc">
        None
      </button>
      <span className="bulk-sep" />
      <button type="button" data-testid="bulk-normal" disabled={off} onClick={() => onAction({ kind: 'status', status: 'normal' })} title="Defect-free: frames with defect polygons are skipped">
        Mark normal
      </button>
      <button type="button" data-testid="bulk-unlabeled" disabled={off} onClick={() => onAction({ kind: 'status', status: 'unlabeled' })}>
        Mark unlabelled
      </button>
      <PickOnce label="Set view" testId="bulk-view" disabled={off} options={VIEWS} onPick={(v) => onAction({ kind: 'view', view: v })} />
      <PickOnce label="Set split" testId="bulk-split" disabled={off} options={SPLITS} onPick={(s) => onAction({ kind: 'split', split: s })} />
      {onExport && (
        <button type="button" data-testid="bulk-export" disabled={off} onClick={onExport}>
          Export…
        </button>
      )}
      <button type="button" className="danger" data-testid="bulk-remove" disabled={off} onClick={() => onAction({ kind: 'remove' })}>
        Remove…
      </button>
      <span className="bulk-spacer" />
      {note && (
        <span className={note.error ? 'bulk-note error-text' : 'bulk-note'} data-testid="bulk-note" role="status" title={note.text}>
          {note.text}
        </span>
      )}
      {removed.length > 0 && (
        <select
          aria-label="Restore removed frames"
          data-testid="bulk-restore"
          disabled={busy}
          value=""
          onChange={(e) => {
            const token = Number(e.target.value)
            if (token > 0) onRestore(token)
          }}
        >
          <option value="">Restore removed…</option>
          {removed.map((r) => (
            <option key={r.token} value={r.token}>
              {r.label}
            </option>
          ))}
        </select>
      )}
      {canUndo && (
        <button type="button" data-testid="bulk-undo" disabled={busy} onClick={onUndo} title="Ctrl+Z in the grid">
          Undo
        </button>
      )}
    </div>
  )
}

/** A menu that acts on a pick and shows its label again: an action, not a setting. */
function PickOnce<T extends string>({ label, testId, disabled, options, onPick }: { label: string; testId: string; disabled: boolean; options: readonly T[]; onPick(value: T): void }) {
  return (
    <select
      aria-label={label}
      data-testid={testId}
      disabled={disabled}
      value=""
      onChange={(e) => {
        const v = e.target.value as T
        if (v) onPick(v)
      }}
    >
      <option value="">{label}…</option>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  )
}
