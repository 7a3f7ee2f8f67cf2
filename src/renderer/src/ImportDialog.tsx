/** Import a folder of frames (and optionally masks / labelme files), with live progress and a summary. */
import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { ImportOptions, ImportSummary } from '../../shared/contract'
import type { Split, ViewOrUnassigned } from '../../shared/domain'
import { SPLITS, UNASSIGNED_VIEW, VIEWS } from '../../shared/domain'
import { api } from './api'
import { PathField } from './PathField'
import { TERMINAL_STATES, useJobs } from './jobs'
import { useToasts } from './toasts'

interface Props {
  canBrowse: boolean
  onClose(): void
}

function isSummary(value: unknown): value is ImportSummary {
  return typeof value === 'object' && value !== null && 'imported' in value && 'failed' in value && Array.isArray((value as ImportSummary).failed)
}

function formatEta(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec)) return ''
  if (sec < 60) return `${Math.ceil(sec)} s left`
  return `${Math.floor(sec / 60)} min ${Math.ceil(sec % 60)} s left`
}

function Counts({ title, counts, testId }: { title: string; counts: Record<string, number>; testId: string }) {
  const entries = Object.entries(counts).filter(([, n]) => n > 0)
  if (entries.length === 0) return null
  return (
    <div className="summary-counts" data-testid={testId}>
      <span className="muted">{title}</span>
      {entries.map(([k, n]) => (
        <span key={k} className="summary-count">
          {k} <b>{n}</b>
        </span>
      ))}
    </div>
  )
}

export function ImportDialog({ canBrowse, onClose }: Props) {
  const toasts = useToasts()
  const jobs = useJobs()
  const [folder, setFolder] = useState('')
  const [masks, setMasks] = useState('')
  const [maskClasses, setMaskClasses] = useState('')
  const [labelme, setLabelme] = useState(false)
  const [split, setSplit] = useState<Split | ''>('')
  const [view, setView] = useState<ViewOrUnassigned | ''>('')
  const [groupPattern, setGroupPattern] = useState('')
  const [jobId, setJobId] = useState<string | null>(null)
  const [starting, setStarting] = useState(false)
  const [cancelRequested, setCancelRequested] = useState(false)
  const dialog = useRef<HTMLDivElement>(null)

  const job = jobId ? jobs.get(jobId) : undefined
  const finished = job !== undefined && TERMINAL_STATES.has(job.state)
  const running = (jobId !== null && !finished) || starting

  useEffect(() => {
    dialog.current?.querySelector<HTMLInputElement>('input')?.focus()
  }, [])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !running) {
        e.stopPropagation()
        onClose()
      }
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [running, onClose])

  const start = async (e: FormEvent) => {
    e.preventDefault()
    if (!folder.trim()) {
      toasts.info('Type or pick the folder to import')
      return
    }
    const options: ImportOptions = { folder: folder.trim() }
    if (masks.trim()) options.masks = masks.trim()
    const names = maskClasses
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    if (masks.trim() && names.length) options.maskClasses = names
    if (labelme) options.labelme = true
    if (split) options.split = split
    if (view) options.view = view
    if (groupPattern.trim()) options.groupPattern = groupPattern.trim()
    setStarting(true)
    try {
      const { jobId: id } = await api().import.start(options)
      setJobId(id)
    } catch (error) {
      toasts.error(error)
    } finally {
      setStarting(false)
    }
  }

  const cancel = async () => {
    if (!jobId) return
    setCancelRequested(true)
    try {
      await api().jobs.cancel({ jobId })
    } catch (error) {
      setCancelRequested(false)
      toasts.error(error)
    }
  }

  const reset = () => {
    setJobId(null)
    setCancelRequested(false)
  }

  const summary = finished && isSummary(job.result) ? job.result : null
  const percent = job && job.total > 0 ? Math.min(100, (100 * job.done) / job.total) : 0

  return (
    <div className="modal-backdrop">
      <div ref={dialog} className="modal import-dialog" role="dialog" aria-modal="true" aria-labelledby="import-title" data-testid="import-dialog">
        <h2 id="import-title">Import images</h2>

        {jobId === null && (
          <form onSubmit={start} className="form">
            <PathField id="import-folder" label="Image folder" value={folder} onChange={setFolder} canBrowse={canBrowse} browseTitle="Folder with the frames to import" required />
            <PathField id="import-masks" label="Masks folder (optional)" value={masks} onChange={setMasks} canBrowse={canBrowse} browseTitle="Folder of PNG class-index masks" />
            {masks.trim() !== '' && (
              <label className="field">
                <span>Mask class names for values 1..n, in order (needed unless the masks folder has a classes.txt; values are never guessed)</span>
                <input type="text" data-testid="import-mask-classes" placeholder="e.g. Blowhole, Crack" value={maskClasses} onChange={(e) => setMaskClasses(e.target.value)} />
              </label>
            )}
            <label className="check">
              <input type="checkbox" data-testid="import-labelme" checked={labelme} onChange={(e) => setLabelme(e.target.checked)} />
              Read labelme JSON files next to the images
            </label>
            <div className="field-row">
              <label className="field">
                <span>Split</span>
                <select data-testid="import-split" value={split} onChange={(e) => setSplit(e.target.value as Split | '')}>
                  <option value="">automatic (stratified)</option>
                  {SPLITS.map((s) => (
                    <option key={s} value={s}>
                      all to {s}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>View</span>
                <select data-testid="import-view" value={view} onChange={(e) => setView(e.target.value as ViewOrUnassigned | '')}>
                  <option value="">from the file path</option>
                  {[...VIEWS, UNASSIGNED_VIEW].map((v) => (
                    <option key={v} value={v}>
                      all {v}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <label className="field">
              <span>Split groups: frames with the same key share a split (regular expression, first group is the key; batch = this whole import; none = off)</span>
              <input
                type="text"
                data-testid="import-group-pattern"
                placeholder="workspace setting, else a coil<digits> token in the path"
                value={groupPattern}
                onChange={(e) => setGroupPattern(e.target.value)}
              />
            </label>
            <div className="modal-actions">
              <button type="button" data-testid="import-close" onClick={onClose}>
                Close
              </button>
              <button type="submit" className="primary" data-testid="import-start" disabled={starting}>
                {starting ? 'Starting…' : 'Import'}
              </button>
            </div>
          </form>
        )}

        {jobId !== null && !finished && (
          <div className="import-progress" data-testid="import-progress" data-done={job?.done ?? 0} data-total={job?.total ?? 0}>
            <progress max={job && job.total > 0 ? job.total : undefined} value={job && job.total > 0 ? job.done : undefined} aria-label="Import progress" />
            <div className="progress-text">
              <span>{job ? `${job.done} / ${job.total || '?'} files` : 'Waiting for the import to start…'}</span>
              <span className="muted">{job && job.total > 0 ? `${percent.toFixed(0)} %` : ''}</span>
              <span className="muted">{formatEta(job?.etaSec)}</span>
            </div>
            {job?.message && <div className="progress-message muted">{job.message}</div>}
            <div className="modal-actions">
              <button type="button" data-testid="import-background" onClick={onClose} title="The import keeps running; progress shows in the header">
                Run in background
              </button>
              <button type="button" className="danger" data-testid="import-cancel" disabled={cancelRequested || job?.state === 'cancelling'} onClick={cancel}>
                {cancelRequested || job?.state === 'cancelling' ? 'Cancelling…' : 'Cancel'}
              </button>
            </div>
          </div>
        )}

        {finished && (
          <div className="import-summary" data-testid="import-summary" data-state={job.state}>
            {job.state === 'failed' && (
              <p className="error-text" data-testid="import-error">
                Import failed: {job.error ?? 'unknown error'}
              </p>
            )}
            {job.state === 'cancelled' && !summary && <p>Import cancelled.</p>}
            {summary && (
              <>
                {summary.cancelled && <p className="warn-text">Cancelled: the files imported before cancelling stay in the workspace.</p>}
                <div className="summary-grid">
                  <div>
                    <b data-testid="import-imported">{summary.imported}</b> imported
                  </div>
                  <div>
                    <b data-testid="import-duplicates">{summary.duplicates}</b> duplicates skipped
                  </div>
                  {summary.replaced ? (
                    <div title="Files at an imported path whose bytes changed: the frame took the new file, kept its labels and went to review">
                      <b data-testid="import-replaced">{summary.replaced}</b> replaced in place
                    </div>
                  ) : null}
                  <div>
                    <b data-testid="import-failed-count">{summary.failed.length}</b> failed
                  </div>
                  <div>
                    <b>{summary.found}</b> found in {summary.seconds.toFixed(1)} s
                  </div>
                  <div>
                    <b data-testid="import-labels">{summary.labels.imported}</b> labels from {summary.labels.files} files
                  </div>
                </div>
                <Counts title="Views" counts={summary.byView} testId="import-by-view" />
                <Counts title="Splits" counts={summary.bySplit} testId="import-by-split" />
                {summary.labels.createdClasses.length > 0 && <p className="muted">New classes: {summary.labels.createdClasses.join(', ')}</p>}
                {summary.failed.length + summary.labels.failed.length > 0 && (
                  <details className="failed-list" open={summary.failed.length + summary.labels.failed.length <= 10}>
                    <summary>Failed files</summary>
                    <ul data-testid="import-failed">
                      {[...summary.failed, ...summary.labels.failed].map((f, i) => (
                        <li key={`${f.path}-${i}`}>
                          <span className="failed-path">{f.path}</span>
                          <span className="failed-reason">{f.reason}</span>
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
                {[...(summary.skipped ?? []), ...(summary.notes ?? [])].length > 0 && (
                  <details className="failed-list" open={(summary.skipped ?? []).length + (summary.notes ?? []).length <= 10}>
                    <summary>Skipped and notes</summary>
                    <ul data-testid="import-notes">
                      {[...(summary.skipped ?? []), ...(summary.notes ?? [])].map((f, i) => (
                        <li key={`${f.path}-${i}`}>
                          <span className="failed-path">{f.path}</span>
                          <span className="failed-reason">{f.reason}</span>
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </>
            )}
            <div className="modal-actions">
              <button type="button" data-testid="import-again" onClick={reset}>
                Import more
              </button>
              <button type="button" className="primary" data-testid="import-done" onClick={onClose}>
                Done
              </button>
            </div>
          </div>
        )}
      </div>
    </div>
  )
}
