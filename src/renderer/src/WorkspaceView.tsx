/** An open workspace: header, filters, the thumbnail grid, the detail panel and the status bar. */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import type { ClassDef, ImageFilter, ImageStats, ImportSummary, WorkspaceInfo } from '../../shared/contract'
import { api } from './api'
import { DetailPanel } from './DetailPanel'
import { EditorScreen } from './editor'
import { ExportDialog, useExportNotices } from './export'
import { FilterBar, isEmptyFilter } from './FilterBar'
import { GridData } from './grid/gridData'
import { SelectableGrid } from './grid/SelectableGrid'
import { ImportDialog } from './ImportDialog'
import { JobIndicator } from './JobIndicator'
import { Retrain } from './retrain/Retrain'
import { editorPredictionsFor } from './runs/editorPredictions'
import { RunLiveProvider } from './runs/runLive'
import { RunsPage } from './runs/RunsPage'
import { ReviewPage } from './review'
import { ClassesPage, dropMissingClasses } from './classes'
import { StatusBar } from './StatusBar'
import { throttle } from './throttle'
import { useToasts } from './toasts'

interface Props {
  workspace: WorkspaceInfo
  canBrowse: boolean
  onClose(): void
}

const REFRESH_EVERY_MS = 800

/** The pages of an open workspace, in the header's order; add an entry and its branch in <Workspace>'s page slot. */
const PAGES = [
  { id: 'frames', label: 'Frames' },
  { id: 'runs', label: 'Runs' },
  { id: 'review', label: 'Review' },
  { id: 'classes', label: 'Classes' }
] as const
type Page = (typeof PAGES)[number]['id']

const fmt = new Intl.NumberFormat('en-US')

export function WorkspaceView(props: Props) {
  const toasts = useToasts()
  // Created in an effect, not a memo, so StrictMode's mount-unmount-mount disposes a copy it no longer uses.
  const [data, setData] = useState<GridData | null>(null)
  useEffect(() => {
    const d = new GridData(api(), toasts.error)
    setData(d)
    return () => d.dispose()
  }, [toasts])
  return data ? (
    <RunLiveProvider api={api()}>
      <Workspace {...props} data={data} />
    </RunLiveProvider>
  ) : null
}

function Workspace({ workspace, canBrowse, onClose, data }: Props & { data: GridData }) {
  const toasts = useToasts()
  const [classes, setClasses] = useState<ClassDef[]>([])
  const [filter, setFilter] = useState<ImageFilter>({})
  const [selected, setSelected] = useState(0)
  const [detailOpen, setDetailOpen] = useState(false)
  const [importOpen, setImportOpen] = useState(false)
  /** The export dialog, with the grid's selection when it was opened for one. */
  const [exportOpen, setExportOpen] = useState<{ ids?: number[] } | null>(null)
  useExportNotices()
  const [page, setPage] = useState<Page>('frames')
  const [filtered, setFiltered] = useState<ImageStats | null>(null)
  const [overall, setOverall] = useState<ImageStats | null>(null)
  /** Bumped on every workspace.changed for images or labels. */
  const [changeTick, setChangeTick] = useState(0)
  const filterKey = JSON.stringify(filter)
  const filterActive = !isEmptyFilter(filter)

  // Keyed on the serialised filter: a new object with the same content must not reset the grid.
  useEffect(() => {
    data.setFilter(JSON.parse(filterKey) as ImageFilter)
  }, [data, filterKey])

  const loadClasses = useCallback(() => {
    api()
      .classes.list({})
      .then((list) => {
        setClasses(list)
        setFilter((f) => dropMissingClasses(f, list))
      }, (e: unknown) => toasts.error(e))
  }, [toasts])
  useEffect(loadClasses, [loadClasses])

  useEffect(() => {
    let live = true
    api()
      .images.stats({})
      .then(
        (s) => live && setOverall(s),
        (e: unknown) => live && toasts.error(e)
      )
    return () => {
      live = false
    }
  }, [changeTick, toasts])

  // Counts of the previous filter would mislead: blank them on a new filter, not on a refresh.
  const statsFilterKey = useRef(filterKey)
  useEffect(() => {
    let live = true
    if (statsFilterKey.current !== filterKey) {
      statsFilterKey.current = filterKey
      setFiltered(null)
    }
    api()
      .images.stats({ filter: JSON.parse(filterKey) as ImageFilter })
      .then(
        (s) => live && setFiltered(s),
        (e: unknown) => live && toasts.error(e)
      )
    return () => {
      live = false
    }
  }, [filterKey, changeTick, toasts])

  // Changes reported by main: refetch what is on screen, at most a few times a second.
  useEffect(() => {
    const refresh = throttle(() => {
      data.refresh()
      setChangeTick((t) => t + 1)
    }, REFRESH_EVERY_MS)
    const off = api().on('workspace.changed', (e) => {
      // Imports create classes but report 'images'; merges and deletes change every count.
      if (e.what === 'images' || e.what === 'labels' || e.what === 'classes') refresh()
      if (e.what === 'images' || e.what === 'classes') loadClasses()
    })
    return () => {
      off()
      refresh.cancel()
    }
  }, [data, loadClasses])

  // An import sent to the background still reports how it ended.
  const importOpenRef = useRef(importOpen)
  useEffect(() => {
    importOpenRef.current = importOpen
  }, [importOpen])
  useEffect(
    () =>
      api().on('job.state', (job) => {
        if (job.kind !== 'import' || importOpenRef.current) return
        if (job.state === 'failed') toasts.error(new Error(`Import failed: ${job.error ?? 'unknown error'}`))
        else if (job.state === 'done' || job.state === 'cancelled') {
          const r = job.result as Partial<ImportSummary> | undefined
          const cancelled = job.state === 'cancelled' || r?.cancelled === true
          toasts.info(
            `Import ${cancelled ? 'cancelled' : 'finished'}: ${r?.imported ?? 0} imported, ${r?.duplicates ?? 0} duplicates, ${r?.failed?.length ?? 0} failed`
          )
        }
      }),
    [toasts]
  )

  const changeFilter = useCallback((next: ImageFilter) => {
    setFilter(next)
    setSelected(0)
  }, [])

  const openDetail = useCallback(() => setDetailOpen(true), [])

  // The import summary's way to the frames it brought: the grid filtered to that batch.
  const showImportBatch = useCallback(
    (importId: number) => {
      changeFilter({ importId })
      setPage('frames')
      setImportOpen(false)
    },
    [changeFilter]
  )

  // The editor walks the current filter's frames in the grid's order (images.ids sorts the same way).
  const [editor, setEditor] = useState<{ ids: number[]; index: number } | null>(null)
  const openEditor = useCallback(
    (index: number) => {
      const id = data.item(index)?.id
      api()
        .images.ids({ filter: JSON.parse(filterKey) as ImageFilter })
        .then(
          (ids) => {
            const at = id !== undefined ? ids.indexOf(id) : -1
            if (ids.length > 0) setEditor({ ids, index: at >= 0 ? at : Math.min(index, ids.length - 1) })
          },
          (e: unknown) => toasts.error(e)
        )
    },
    [data, filterKey, toasts]
  )

  useEffect(() => {
    if (!detailOpen) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setDetailOpen(false)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [detailOpen])

  const gridRef = useRef<HTMLDivElement>(null)
  // Inspectors start on the keyboard: the grid takes focus once the workspace shows, and again on coming back to it.
  useEffect(() => {
    if (page === 'frames') gridRef.current?.querySelector<HTMLElement>('[role="grid"]')?.focus()
  }, [page])

  const closeWorkspace = async () => {
    try {
      await api().workspace.close({})
      onClose()
    } catch (e) {
      toasts.error(e)
    }
  }

  // Subscribed as a primitive so only a change of the selected image re-renders this view.
  const selectedId = useSyncExternalStore(data.subscribe, () => (selected >= 0 ? (data.item(selected)?.id ?? null) : null))
  const total = useSyncExternalStore(data.subscribe, () => data.getTotal())
  // Fewer images than before (a refresh after deletions): keep the selection on the grid.
  useEffect(() => {
    if (total !== null && total > 0 && selected >= total) setSelected(total - 1)
  }, [total, selected])

  return (
    <div className={page === 'frames' ? 'workspace' : 'workspace workspace-page'} data-testid="workspace" data-page={page}>
      <header className="app-header">
        <div className="app-title">
          <span className="brand">Defect Studio</span>
          <span className="ws-name" data-testid="workspace-name" title={workspace.dir}>
            {workspace.name}
          </span>
          {workspace.demo && <span className="tag">demo</span>}
          <span className="muted" data-testid="header-count" data-count={overall?.total ?? workspace.imageCount}>
            {fmt.format(overall?.total ?? workspace.imageCount)} images
            {overall && ` · ${fmt.format(overall.byStatus['labeled'] ?? 0)} labeled · ${fmt.format(overall.byStatus['unlabeled'] ?? 0)} unlabeled`}
          </span>
        </div>
        <nav className="page-nav" aria-label="Pages" data-testid="page-nav">
          {PAGES.map((p) => (
            <button
              key={p.id}
              type="button"
              className={page === p.id ? 'page-tab page-tab-on' : 'page-tab'}
              aria-current={page === p.id ? 'page' : undefined}
              data-testid={`nav-${p.id}`}
              onClick={() => setPage(p.id)}
            >
              {p.label}
            </button>
          ))}
        </nav>
        <div className="app-actions">
          <JobIndicator />
          <Retrain />
          <button type="button" className="primary" data-testid="open-import" onClick={() => setImportOpen(true)}>
            Import…
          </button>
          <button type="button" data-testid="open-export" onClick={() => setExportOpen({})}>
            Export…
          </button>
          <button type="button" data-testid="close-workspace" onClick={closeWorkspace}>
            Close
          </button>
        </div>
      </header>
      {page === 'frames' && (
        <>
          <FilterBar filter={filter} classes={classes} onChange={changeFilter} />
          <div className="workspace-body" ref={gridRef}>
            <SelectableGrid
              data={data}
              classes={classes}
              filter={filter}
              onExport={(ids) => setExportOpen({ ids })}
              selected={selected}
              onSelect={setSelected}
              onOpen={openEditor}
              onInfo={openDetail}
              resetKey={filterKey}
              empty={
                filterActive ? (
                  <p>No images match these filters.</p>
                ) : (
                  <div>
                    <p>This workspace has no images yet.</p>
                    <button type="button" className="primary" onClick={() => setImportOpen(true)}>
                      Import a folder…
                    </button>
                  </div>
                )
              }
            />
            {detailOpen && (
              <DetailPanel imageId={selectedId} classes={classes} refreshKey={changeTick} onClose={() => setDetailOpen(false)} />
            )}
          </div>
          <StatusBar filtered={filtered} overall={overall} classes={classes} filterActive={filterActive} selected={selected} />
        </>
      )}
      {page === 'runs' && <RunsPage />}
      {page === 'classes' && <ClassesPage classes={classes} />}
      {page === 'review' && <ReviewPage classes={classes} onOpenEditor={(ids, index) => setEditor({ ids, index })} />}
      {importOpen && <ImportDialog canBrowse={canBrowse} onClose={() => setImportOpen(false)} onShowFrames={showImportBatch} />}
      {exportOpen && (
        <ExportDialog
          canBrowse={canBrowse}
          classes={classes}
          gridFilter={filter}
          filterActive={filterActive}
          counts={{ all: overall?.total ?? null, filter: filtered?.total ?? null }}
          {...(exportOpen.ids ? { selection: exportOpen.ids } : {})}
          onClose={() => setExportOpen(null)}
        />
      )}
      {editor && (
        <EditorScreen
          imageIds={editor.ids}
          startIndex={editor.index}
          classes={classes}
          predictionsFor={editorPredictionsFor}
          onClose={() => {
            setEditor(null)
            gridRef.current?.querySelector<HTMLElement>('[role="grid"]')?.focus()
          }}
          onStatusChanged={() => {
            data.refresh()
            setChangeTick((t) => t + 1)
          }}
        />
      )}
    </div>
  )
}
