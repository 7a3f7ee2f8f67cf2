/**
 * What Enter opens for now: the frame's record and its labels. The mask
 * editor replaces this in a later issue. Follows the grid selection while open.
 */
import { useEffect, useState } from 'react'
import type { ClassDef, ImageDetail, Label } from '../../shared/contract'
import { api } from './api'
import { thumbnailBlob } from './grid/gridData'
import { useToasts } from './toasts'

interface Props {
  imageId: number | null
  classes: ClassDef[]
  /** Bumped when the workspace reports changed images or labels. */
  refreshKey: number
  onClose(): void
}

interface Loaded {
  id: number
  detail: ImageDetail
  labels: Label[]
}

export function DetailPanel({ imageId, classes, refreshKey, onClose }: Props) {
  const toasts = useToasts()
  const [loaded, setLoaded] = useState<Loaded | null>(null)
  const [preview, setPreview] = useState<string | null>(null)

  useEffect(() => {
    if (imageId === null) return
    let live = true
    Promise.all([api().images.get({ id: imageId }), api().labels.list({ imageId })]).then(
      ([detail, labels]) => {
        if (live) setLoaded({ id: imageId, detail, labels })
      },
      (error: unknown) => {
        if (live) toasts.error(error)
      }
    )
    return () => {
      live = false
    }
  }, [imageId, refreshKey, toasts])

  // The panel owns its preview URL, independent of the grid's LRU.
  useEffect(() => {
    if (imageId === null) return
    let live = true
    let url: string | null = null
    api()
      .images.thumbnails({ ids: [imageId] })
      .then(
        (thumbs) => {
          const t = thumbs[0]
          if (!live || !t) return
          url = URL.createObjectURL(thumbnailBlob(t))
          setPreview(url)
        },
        (error: unknown) => live && toasts.error(error)
      )
    return () => {
      live = false
      if (url) URL.revokeObjectURL(url)
      setPreview(null)
    }
  }, [imageId, toasts])

  const classById = new Map(classes.map((c) => [c.id, c]))
  const current = loaded && loaded.id === imageId ? loaded : null
  const d = current?.detail

  return (
    <aside className="detail-panel" data-testid="detail-panel" data-image-id={imageId ?? ''} aria-label="Image details">
      <div className="detail-head">
        <h2 title={d?.relPath}>{d ? d.relPath : 'Loading…'}</h2>
        <button type="button" className="icon-button" aria-label="Close details" data-testid="detail-close" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="detail-preview">{preview ? <img src={preview} alt={d ? `Preview of ${d.relPath}` : ''} /> : <span className="muted">…</span>}</div>
      {d && (
        <dl className="detail-fields" data-testid="detail-fields">
          <dt>View</dt>
          <dd data-testid="detail-view">{d.view}</dd>
          <dt>Split</dt>
          <dd data-testid="detail-split">{d.split}</dd>
          <dt>Split group</dt>
          <dd data-testid="detail-split-group" title="Frames of one group are always in one split">
            {d.splitGroup ?? <span className="muted">none (frame stands alone)</span>}
          </dd>
          <dt>Status</dt>
          <dd>
            <span className={`badge status-${d.status}`} data-testid="detail-status">
              {d.status}
            </span>
          </dd>
          <dt>Size</dt>
          <dd>
            {d.width} × {d.height}
          </dd>
          <dt>Imported</dt>
          <dd>{new Date(d.importedAt).toLocaleString()}</dd>
          <dt>File</dt>
          <dd className="detail-path" title={d.absPath}>
            {d.absPath}
          </dd>
          <dt>Hash</dt>
          <dd className="detail-hash">{d.hash}</dd>
        </dl>
      )}
      {current && (
        <section className="detail-labels" data-testid="detail-labels" data-count={current.labels.length}>
          <h3>
            Labels <span className="muted">{current.labels.length}</span>
          </h3>
          {current.labels.length === 0 && <p className="muted">No labels on this frame.</p>}
          <ul>
            {current.labels.map((l) => {
              const c = classById.get(l.classId)
              return (
                <li key={l.id} data-testid="detail-label" data-class-id={l.classId}>
                  <span className="dot" style={{ backgroundColor: c?.color ?? '#888' }} />
                  <span className="detail-label-class">{c?.name ?? `class ${l.classId}`}</span>
                  <span className="muted">
                    {l.points.length / 2} pts · {l.source} · {l.author} · rev {l.revision}
                  </span>
                </li>
              )
            })}
          </ul>
        </section>
      )}
      <p className="detail-hint muted">Esc closes · arrow keys move through the grid</p>
    </aside>
  )
}
