/**
 * Import a folder of frames: where the frames and their labels are, how
 * they are placed (view, split, normal), the class of every mask value and
 * label name the preview finds, then live progress and a summary that leads
 * to the imported frames.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react'
import type { ClassDef, ImportOptions, ImportSummary } from '../../shared/contract'
import type { Split, ViewOrUnassigned } from '../../shared/domain'
import { SPLITS, UNASSIGNED_VIEW, VIEWS } from '../../shared/domain'
import { appendAll } from '../../shared/arrays'
import { api } from './api'
import { PathField } from './PathField'
import { useDialogJob } from './dialogJob'
import { JobProgress } from './JobProgress'
import { useToasts } from './toasts'
import { IssueList, ImportSummaryView } from './import/ImportSummaryView'
import { MappingTable } from './import/MappingTable'
import { mappingOptions, mappingProblems, rowsFromPreview, type Choice, type MappingRow } from './import/mapping'
import { usePreview } from './import/usePreview'

interface Props {
  canBrowse: boolean
  onClose(): void
  /** Sets the grid's filter to one import batch. */
  onShowFrames?: (importId: number) => void
}

type SourceKind = 'none' | 'masks' | 'labelme' | 'coco' | 'mvtec'

const SOURCE_LABELS: Record<SourceKind, string> = {
  none: 'Images only (no labels)',
  masks: 'PNG class-index masks in a folder',
  labelme: 'labelme JSON files next to the images',
  coco: 'A COCO JSON file',
  mvtec: 'An MVTec-AD category folder'
}

function isSummary(value: unknown): value is ImportSummary {
  return typeof value === 'object' && value !== null && 'imported' in value && 'failed' in value && Array.isArray((value as ImportSummary).failed)
}

export function ImportDialog({ canBrowse, onClose, onShowFrames }: Props) {
  const toasts = useToasts()
  const [folder, setFolder] = useState('')
  const [source, setSource] = useState<SourceKind>('none')
  const [masks, setMasks] = useState('')
  const [coco, setCoco] = useState('')
  const [normal, setNormal] = useState(false)
  const [split, setSplit] = useState<Split | ''>('')
  const [view, setView] = useState<ViewOrUnassigned | ''>('')
  const [groupPattern, setGroupPattern] = useState('')
  const [classes, setClasses] = useState<ClassDef[]>([])
  const [rows, setRows] = useState<MappingRow[]>([])
  const [previewTick, setPreviewTick] = useState(0)
  const dialog = useRef<HTMLDivElement>(null)

  const run = useDialogJob()
  const { jobId, job, starting, running } = run
  const finished = run.finished && job !== undefined

  const loadClasses = useCallback(() => {
    api()
      .classes.list({})
      .then(setClasses, (error) => toasts.error(error))
  }, [toasts])

  useEffect(() => {
    dialog.current?.querySelector<HTMLInputElement>('input')?.focus()
    loadClasses()
    return api().on('workspace.changed', (e) => {
      if (e.what === 'classes') loadClasses()
    })
  }, [loadClasses])

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

  // What the preview (and the import) reads; null until the source is complete.
  const sourceOptions = useMemo((): ImportOptions | null => {
    const dir = folder.trim()
    if (!dir) return null
    // Several folders (an export's defects/ and regions/) are separated by commas, as on the command line.
    const maskDirs = masks
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)
    if (source === 'masks') return maskDirs.length ? { folder: dir, masks: maskDirs.length === 1 ? maskDirs[0]! : maskDirs } : null
    if (source === 'coco') return coco.trim() ? { folder: dir, coco: coco.trim() } : null
    if (source === 'labelme') return { folder: dir, labelme: true }
    if (source === 'mvtec') return { folder: dir, mvtec: true }
    return { folder: dir }
  }, [folder, source, masks, coco])

  const preview = usePreview(jobId === null ? sourceOptions : null, previewTick)
  const current = preview.preview && preview.key === JSON.stringify(sourceOptions) && !preview.loading ? preview.preview : null

  useEffect(() => {
    if (preview.preview) setRows((prev) => rowsFromPreview(preview.preview!, classes, prev))
    // Classes arriving later only matter for rows not chosen yet; rowsFromPreview keeps the choices made.
  }, [preview.preview, classes])

  const setChoice = useCallback((key: string, choice: Choice) => setRows((prev) => prev.map((r) => (r.key === key ? { ...r, choice } : r))), [])

  const blocked: string[] = []
  if (!folder.trim()) blocked.push('Type or pick the image folder')
  else if (source === 'masks' && !masks.trim()) blocked.push('Type or pick the masks folder')
  else if (source === 'coco' && !coco.trim()) blocked.push('Type the path of the COCO JSON file')
  else if (preview.error) blocked.push(preview.error)
  else if (!current) blocked.push('Reading the folder…')
  else if (current.images === 0) blocked.push('No images found in this folder')
  else appendAll(blocked, mappingProblems(rows, classes))

  const start = async (e: FormEvent) => {
    e.preventDefault()
    if (blocked.length > 0 || !sourceOptions) return
    const options: ImportOptions = { ...sourceOptions, ...mappingOptions(rows, classes) }
    if (normal) options.normal = true
    if (split) options.split = split
    if (view) options.view = view
    if (groupPattern.trim()) options.groupPattern = groupPattern.trim()
    await run.start(() => api().import.start(options))
  }

  const reset = () => {
    run.reset()
    setPreviewTick((t) => t + 1)
  }

  const summary = finished && isSummary(job.result) ? job.result : null

  return (
    <div className="modal-backdrop">
      <div ref={dialog} className="modal import-dialog" role="dialog" aria-modal="true" aria-labelledby="import-title" data-testid="import-dialog">
        <h2 id="import-title">Import images</h2>

        {jobId === null && (
          <form onSubmit={start} className="form">
            <PathField id="import-folder" label="Image folder" value={folder} onChange={setFolder} canBrowse={canBrowse} browseTitle="Folder with the frames to import" required />
            <label className="field">
              <span>Labels</span>
              <select data-testid="import-source" value={source} onChange={(e) => setSource(e.target.value as SourceKind)}>
                {(Object.keys(SOURCE_LABELS) as SourceKind[]).map((k) => (
                  <option key={k} value={k}>
                    {SOURCE_LABELS[k]}
                  </option>
                ))}
              </select>
            </label>
            {source === 'masks' && (
              <PathField id="import-masks" label="Masks folder (one PNG per image, same name; pixel value = class; several folders: separate them with commas)" value={masks} onChange={setMasks} canBrowse={canBrowse} browseTitle="Folder of PNG class-index masks" />
            )}
            {source === 'coco' && (
              <label className="field">
                <span>COCO JSON file (file_name relative to the image folder)</span>
                <input type="text" data-testid="import-coco" value={coco} onChange={(e) => setCoco(e.target.value)} placeholder="/path/to/annotations.json" />
              </label>
            )}
            <label className="check">
              <input type="checkbox" data-testid="import-normal" checked={normal} onChange={(e) => setNormal(e.target.checked)} />
              These frames are normal (defect-free){source !== 'none' ? ': frames that get labels stay labelled' : ''}
            </label>
            <div className="field-row">
              <label className="field">
                <span>View</span>
                <select data-testid="import-view" value={view} onChange={(e) => setView(e.target.value as ViewOrUnassigned | '')}>
                  <option value="">from the file path (D01…D04)</option>
                  {[...VIEWS, UNASSIGNED_VIEW].map((v) => (
                    <option key={v} value={v}>
                      all {v}
                    </option>
                  ))}
                </select>
              </label>
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

            {current && (
              <div className="import-found" data-testid="import-found" data-images={current.images} data-label-files={current.labelFiles}>
                <b>{current.images.toLocaleString('en-US')}</b> images
                {source !== 'none' && (
                  <>
                    , <b>{current.labelFiles.toLocaleString('en-US')}</b> with {source === 'masks' ? 'a mask' : 'labels'}
                  </>
                )}
                <span className="muted"> (read in {current.seconds.toFixed(1)} s)</span>
                <IssueList title={`${current.issues.length} problems seen already`} items={current.issues} open={false} limit={200} />
              </div>
            )}
            {current && rows.length > 0 && <MappingTable preview={current} rows={rows} classes={classes} onChange={setChoice} />}
            {current && source !== 'none' && rows.length === 0 && current.labelFiles > 0 && <p className="muted">The labels hold no classes (all masks empty): those frames import as normal.</p>}

            {blocked.length > 0 && (
              <ul className="import-blocked muted" data-testid="import-blocked">
                {blocked.map((b) => (
                  <li key={b}>{b}</li>
                ))}
              </ul>
            )}
            <div className="modal-actions">
              <button type="button" data-testid="import-close" onClick={onClose}>
                Close
              </button>
              <button type="submit" className="primary" data-testid="import-start" disabled={starting || blocked.length > 0} title={blocked.join('\n') || undefined}>
                {starting ? 'Starting…' : current ? `Import ${current.images.toLocaleString('en-US')} images` : 'Import'}
              </button>
            </div>
          </form>
        )}

        {jobId !== null && !finished && (
          <JobProgress
            what="import"
            run={run}
            unit="files"
            waiting="Waiting for the import to start…"
            backgroundTitle="The import keeps running; progress shows in the header"
            onBackground={onClose}
          />
        )}

        {finished && (
          <div className="import-summary" data-testid="import-summary" data-state={job.state}>
            {job.state === 'failed' && (
              <p className="error-text" data-testid="import-error">
                Import failed: {job.error ?? 'unknown error'}
              </p>
            )}
            {job.state === 'cancelled' && !summary && <p>Import cancelled.</p>}
            {summary && <ImportSummaryView summary={summary} onShowFrames={onShowFrames} />}
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
