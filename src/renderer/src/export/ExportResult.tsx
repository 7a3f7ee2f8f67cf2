/** How an export ended: what it wrote, what it left out and why, and the way to the folder. */
import { useState } from 'react'
import type { ClassDef, ExportSummary } from '../../../shared/contract'
import { api } from '../api'
import { useToasts } from '../toasts'
import { SkippedList } from './SkippedList'
import { Counts } from '../SummaryCounts'

const fmt = new Intl.NumberFormat('en-US')

export function ExportResult({ summary, classes }: { summary: ExportSummary; classes: readonly ClassDef[] }) {
  const toasts = useToasts()
  // Set when the folder could not be shown: the path is offered to copy instead.
  const [notOpened, setNotOpened] = useState<{ path: string; message: string } | null>(null)
  const byClass = Object.fromEntries(classes.filter((c) => summary.byClass[c.name]).map((c) => [c.name, summary.byClass[c.name]!]))

  const openFolder = async () => {
    try {
      const r = await api().app.openPath({ path: summary.out })
      setNotOpened(r.opened ? null : { path: r.path, message: r.message ?? 'The folder could not be opened.' })
    } catch (e) {
      toasts.error(e)
    }
  }

  const copyPath = async (path: string) => {
    try {
      await navigator.clipboard.writeText(path)
      toasts.info('Path copied')
    } catch {
      toasts.info('Copying is not allowed here: select the path and copy it')
    }
  }

  if (summary.cancelled) {
    return (
      <p className="warn-text" data-testid="export-cancelled">
        Cancelled after {fmt.format(summary.frames)} frames: nothing was written to {summary.out}, and what was there before is unchanged.
      </p>
    )
  }
  return (
    <div data-testid="export-result" data-frames={summary.frames} data-labels={summary.labels} data-written={summary.written} data-out={summary.out}>
      <p>
        Wrote <b>{fmt.format(summary.frames)}</b> frames with <b>{fmt.format(summary.labels)}</b> labels ({fmt.format(summary.written)} files) in {summary.seconds.toFixed(1)} s to{' '}
        <span className="failed-path">{summary.out}</span>; manifest.json lists every file.
      </p>
      <Counts title="Classes" counts={byClass} testId="export-by-class" />
      <Counts title="Splits" counts={summary.bySplit} testId="export-by-split" />
      <Counts title="Views" counts={summary.byView} testId="export-by-view" />
      <SkippedList skipped={summary.skipped} testId="export-skipped" />
      {summary.warnings.map((w) => (
        <p key={w} className="muted">
          {w}
        </p>
      ))}
      <div className="export-open">
        <button type="button" data-testid="export-open-folder" onClick={openFolder}>
          Open folder
        </button>
        {notOpened && (
          <div className="export-path" data-testid="export-path">
            <span className="muted">{notOpened.message}</span>
            <span className="path-field">
              <input type="text" readOnly value={notOpened.path} data-testid="export-path-text" onFocus={(e) => e.target.select()} />
              <button type="button" data-testid="export-copy-path" onClick={() => copyPath(notOpened.path)}>
                Copy
              </button>
            </span>
          </div>
        )}
      </div>
    </div>
  )
}
