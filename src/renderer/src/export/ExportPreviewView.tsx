/** What the export will write, from export.preview: the line the user reads before pressing Export. */
import type { ClassDef } from '../../../shared/contract'
import { fileCount } from './exportForm'
import { SkippedList } from './SkippedList'
import type { PreviewState } from './useExportPreview'

const fmt = new Intl.NumberFormat('en-US')

export function ExportPreviewView({ state, classes }: { state: PreviewState; classes: readonly ClassDef[] }) {
  if (state.kind === 'idle') return <p className="export-preview muted" data-testid="export-preview" data-state="idle">{state.problem}</p>
  if (state.kind === 'loading') return <p className="export-preview muted" data-testid="export-preview" data-state="loading">Counting…</p>
  if (state.kind === 'error') {
    return (
      <p className="export-preview error-text" data-testid="export-preview" data-state="error">
        {state.message}
      </p>
    )
  }
  const p = state.preview
  // Classes in the class list's order, each with its count.
  const byClass = classes.filter((c) => (p.byClass[c.name] ?? 0) > 0)
  return (
    <div className="export-preview" data-testid="export-preview" data-state="ready" data-frames={p.frames} data-labels={p.labels} data-selected={p.selected} data-skipped={p.skipped.length}>
      <p data-testid="export-preview-line">
        Writes <b>{fmt.format(p.frames)}</b> of {fmt.format(p.selected)} frames with <b>{fmt.format(p.labels)}</b> labels, {fmt.format(fileCount(p.files))} files
        {p.copyImages ? ' (images copied)' : ' (images not copied: the files point at the image folders)'}.
      </p>
      {byClass.length > 0 && (
        <div className="summary-counts">
          {byClass.map((c) => (
            <span key={c.id} className="summary-count">
              <span className="dot" style={{ background: c.color }} /> {c.name} <b>{fmt.format(p.byClass[c.name] ?? 0)}</b>
            </span>
          ))}
        </div>
      )}
      <SkippedList skipped={p.skipped} testId="export-preview-skipped" />
      {p.warnings.map((w) => (
        <p key={w} className="warn-text">
          {w}
        </p>
      ))}
      {p.outProblem && (
        <p className="error-text" data-testid="export-out-problem">
          {p.outProblem}
        </p>
      )}
    </div>
  )
}
