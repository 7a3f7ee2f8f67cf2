/**
 * Export the dataset from the app: format, folder and the CLI's options with
 * a live preview of what will be written, then progress with Cancel, then
 * the summary with what was left out and why.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react'
import type { ClassDef, ExportSummary, ImageFilter } from '../../../shared/contract'
import { EXPORT_FORMATS, type ExportFormat } from '../../../shared/contract/types'
import { SPLITS, type Split } from '../../../shared/domain'
import { api } from '../api'
import { PathField } from '../PathField'
import { useDialogJob } from '../dialogJob'
import { JobProgress } from '../JobProgress'
import { useToasts } from '../toasts'
import { ExportPreviewView } from './ExportPreviewView'
import { ExportResult } from './ExportResult'
import { exportRequest, FORMAT_INFO, type ExportChoices, type ExportScope } from './exportForm'
import { sendToBackground } from './exportNotices'
import { useExportPreview } from './useExportPreview'
import './export.css'

interface Props {
  canBrowse: boolean
  classes: readonly ClassDef[]
  /** The grid's filter now, and how many frames it and the workspace hold (for the scope's labels). */
  gridFilter: ImageFilter
  filterActive: boolean
  counts: { all: number | null; filter: number | null }
  /** Frames selected in the grid; the dialog then starts on "the selection". */
  selection?: readonly number[]
  onClose(): void
}

const fmt = new Intl.NumberFormat('en-US')

function isSummary(v: unknown): v is ExportSummary {
  return typeof v === 'object' && v !== null && 'written' in v && 'skipped' in v && Array.isArray((v as ExportSummary).skipped)
}

export function ExportDialog({ canBrowse, classes, gridFilter, filterActive, counts, selection, onClose }: Props) {
  const toasts = useToasts()
  const [choices, setChoices] = useState<ExportChoices>(() => ({
    format: 'coco',
    out: '',
    scope: selection?.length ? 'selection' : filterActive ? 'filter' : 'all',
    split: '',
    classId: null,
    copyImages: null,
    overwrite: false
  }))
  const [previewTick, setPreviewTick] = useState(0)
  const dialog = useRef<HTMLDivElement>(null)

  const set = (patch: Partial<ExportChoices>) => setChoices((c) => ({ ...c, ...patch }))
  const req = useMemo(() => exportRequest(choices, gridFilter, selection), [choices, gridFilter, selection])
  const preview = useExportPreview(req, previewTick)

  const run = useDialogJob()
  const { jobId, job, starting, running } = run
  const finished = run.finished && job !== undefined

  useEffect(() => {
    dialog.current?.querySelector<HTMLInputElement>('input[type="radio"]:checked')?.focus()
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

  const ready = preview.kind === 'ready' && !preview.preview.outProblem && preview.preview.frames > 0 && 'request' in req
  const start = async (e: FormEvent) => {
    e.preventDefault()
    if (!('request' in req)) {
      toasts.info(req.problem)
      return
    }
    const request = req.request
    await run.start(() => api().export.start(request))
  }

  const background = () => {
    if (jobId) sendToBackground(jobId)
    onClose()
  }

  // Back to the options: the folder now holds an export (or still the old one), so count again.
  const again = () => {
    run.reset()
    setPreviewTick((t) => t + 1)
  }

  const summary = finished && isSummary(job.result) ? job.result : null
  const phase = jobId === null ? 'options' : finished ? 'finished' : 'running'
  const scopeLabel = (scope: ExportScope): string =>
    scope === 'all'
      ? `All frames${counts.all !== null ? ` (${fmt.format(counts.all)})` : ''}`
      : scope === 'filter'
        ? `The grid's current filter${counts.filter !== null ? ` (${fmt.format(counts.filter)})` : ''}`
        : `The frames selected in the grid (${fmt.format(selection?.length ?? 0)})`
  const scopes: ExportScope[] = ['all', ...(filterActive ? (['filter'] as const) : []), ...(selection?.length ? (['selection'] as const) : [])]

  return (
    <div className="modal-backdrop">
      <div ref={dialog} className="modal export-dialog" role="dialog" aria-modal="true" aria-labelledby="export-title" data-testid="export-dialog" data-phase={phase}>
        <h2 id="export-title">Export dataset</h2>

        {phase === 'options' && (
          <form onSubmit={start} className="form">
            <fieldset className="export-formats" data-testid="export-formats">
              <legend className="muted">Format</legend>
              {EXPORT_FORMATS.map((f: ExportFormat) => (
                <label key={f} className="export-format">
                  <input
                    type="radio"
                    name="export-format"
                    value={f}
                    data-testid={`export-format-${f}`}
                    checked={choices.format === f}
                    onChange={() => set({ format: f, copyImages: null })}
                  />
                  <span>
                    <b>{FORMAT_INFO[f].label}</b> <span className="muted">{FORMAT_INFO[f].reads}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <PathField id="export-out" label="Export to (a new or empty folder, or a previous export)" value={choices.out} onChange={(out) => set({ out })} canBrowse={canBrowse} browseTitle="Folder to export into" required />
            <div className="field-row">
              <label className="field">
                <span>Frames</span>
                <select data-testid="export-scope" value={choices.scope} onChange={(e) => set({ scope: e.target.value as ExportScope })}>
                  {scopes.map((s) => (
                    <option key={s} value={s}>
                      {scopeLabel(s)}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>Split</span>
                <select data-testid="export-split" value={choices.split} onChange={(e) => set({ split: e.target.value as Split | '' })}>
                  <option value="">any split</option>
                  {SPLITS.map((s) => (
                    <option key={s} value={s}>
                      only {s}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>Class</span>
                <select
                  data-testid="export-class"
                  value={choices.classId ?? ''}
                  onChange={(e) => set({ classId: e.target.value === '' ? null : Number(e.target.value) })}
                >
                  <option value="">any (frames with and without labels)</option>
                  {classes.map((c) => (
                    <option key={c.id} value={c.id}>
                      frames with {c.name}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <label className="check">
              <input
                type="checkbox"
                data-testid="export-copy-images"
                disabled={choices.format === 'mvtec'}
                checked={choices.format === 'mvtec' || (choices.copyImages ?? (preview.kind === 'ready' ? preview.preview.copyImages : false))}
                onChange={(e) => set({ copyImages: e.target.checked })}
              />
              {choices.format === 'mvtec' ? 'Copy the images (the MVTec layout is made of them)' : 'Copy the images into the export (otherwise its files name them in their image folders)'}
            </label>
            <label className="check">
              <input type="checkbox" data-testid="export-overwrite" checked={choices.overwrite} onChange={(e) => set({ overwrite: e.target.checked })} />
              Replace a previous export in this folder (only the files its manifest lists are removed)
            </label>
            <ExportPreviewView state={preview} classes={classes} />
            <div className="modal-actions">
              <button type="button" data-testid="export-close" onClick={onClose}>
                Close
              </button>
              <button type="submit" className="primary" data-testid="export-start" disabled={starting || !ready}>
                {starting ? 'Starting…' : 'Export'}
              </button>
            </div>
          </form>
        )}

        {phase === 'running' && (
          <JobProgress
            what="export"
            run={run}
            unit="frames"
            waiting="Starting the export…"
            backgroundTitle="The export keeps running; the header shows its progress"
            onBackground={background}
          />
        )}

        {finished && (
          <div className="import-summary" data-testid="export-summary" data-state={job.state}>
            {job.state === 'failed' && (
              <p className="error-text" data-testid="export-error">
                Export failed: {job.error ?? 'unknown error'}
              </p>
            )}
            {job.state === 'cancelled' && !summary && (
              <p className="warn-text" data-testid="export-cancelled">
                Cancelled: nothing was written, and what the folder held before is unchanged.
              </p>
            )}
            {summary && <ExportResult summary={summary} classes={classes} />}
            <div className="modal-actions">
              <button type="button" data-testid="export-again" onClick={again}>
                {job.state === 'done' && !summary?.cancelled ? 'Export again' : 'Back to the options'}
              </button>
              <button type="button" className="primary" data-testid="export-done" onClick={onClose}>
                Done
              </button>
            </div>
          </div>
        )}
      </div>
    </div>
  )
}
