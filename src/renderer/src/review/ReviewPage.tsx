/**
 * The review workspace: the queue of a model's predictions in the order that
 * most needs a human, four panes side by side (frame, reconstruction,
 * heatmap, TP/FP/FN), a threshold slider per class with live counts,
 * metrics and curves, and one-key verdicts.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ClassDef, ReviewFilter, Thresholds } from '../../../shared/contract'
import { api } from '../api'
import { dropMissingClasses } from '../classes/filterClasses'
import { zoomAt, type View } from '../editor/geometry/viewport'
import { useToasts } from '../toasts'
import { FrameActions } from './FrameActions'
import { FrameCache, type FrameData } from './frameData'
import { Panes, type Focus, type PreviewRing } from './Panes'
import { QueuePane } from './QueueList'
import { sameOrder, useHeldOrder } from './heldOrder'
import { ReviewToolbar } from './ReviewToolbar'
import { SidePanel } from './SidePanel'
import type { TuneOn } from './tuning'
import { installReviewHooks } from './testHooks'
import { useReviewData } from './useReviewData'
import { useVerdicts, type Busy } from './useVerdicts'
import { VerdictNotes } from './VerdictNotes'
import './review.css'

export interface ReviewPageProps {
  classes: ClassDef[]
  /** Opens the mask editor on these frames, at this index (the review's order). */
  onOpenEditor(imageIds: number[], index: number): void
}

const PREFETCH_AHEAD = 3

function sameThresholds(a: Thresholds, b: Thresholds): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const k of keys) if (Math.abs((a[k] ?? -1) - (b[k] ?? -1)) > 1e-9) return false
  return true
}

function isTyping(el: Element | null): boolean {
  if (!el) return false
  const tag = el.tagName
  return tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || (el as HTMLElement).isContentEditable
}

export function ReviewPage({ classes, onOpenEditor }: ReviewPageProps) {
  const toasts = useToasts()
  const [filter, setFilter] = useState<ReviewFilter>({})
  useEffect(() => setFilter((f) => dropMissingClasses(f, classes)), [classes])
  const [draft, setDraft] = useState<Thresholds | null>(null)
  const [currentId, setCurrentId] = useState<number | null>(null)
  const [frame, setFrame] = useState<FrameData | null>(null)
  const [loadingId, setLoadingId] = useState<number | null>(null)
  const [view, setView] = useState<View | null>(null)
  const [focus, setFocus] = useState<Focus>('all')
  const [diff, setDiff] = useState(false)
  const [busy, setBusy] = useState<Busy>(null)
  const [reportPath, setReportPath] = useState<string | null>(null)
  const [tuneOn, setTuneOn] = useState<TuneOn>('val')
  const rootRef = useRef<HTMLDivElement>(null)
  const cache = useMemo(() => new FrameCache(api()), [])
  const { models, modelId, setModelId, model, queue, metrics, metricsStale, loadModels, refreshQueue: throttledQueue } = useReviewData({
    filter,
    draft,
    tuneOn,
    cache,
    setCurrentId,
    setDraft,
    toasts
  })

  const thresholds: Thresholds = useMemo(() => draft ?? queue?.thresholds ?? model?.thresholds ?? {}, [draft, queue, model])
  // Classes the model has no output for: listed as "not trained", never shown or counted.
  const untrained = useMemo(() => new Set(queue?.untrainedClassIds ?? []), [queue])
  const saved = useMemo(() => Object.fromEntries(classes.map((c) => [c.name, model?.thresholds[c.name] ?? 0.5])), [classes, model])
  const dirty = draft !== null && !sameThresholds(draft, saved)

  // ---------------------------------------------------------------- the shown frame
  const [pointerOnQueue, setPointerOnQueue] = useState(false)
  const ranked = useMemo(() => queue?.items ?? [], [queue])
  const items = useHeldOrder(ranked, pointerOnQueue)
  const index = currentId === null ? -1 : items.findIndex((i) => i.imageId === currentId)
  const item = index >= 0 ? items[index]! : null
  const versionKey = item ? `${item.version.predictionAt}|${item.version.labelsRev}` : ''
  useEffect(() => {
    if (modelId === null || currentId === null || !versionKey) {
      if (currentId === null) setFrame(null)
      return
    }
    let live = true
    const [predictionAt, rev] = versionKey.split('|') as [string, string]
    setLoadingId(currentId)
    cache.get(modelId, currentId, { predictionAt, labelsRev: Number(rev) }).then(
      (d) => {
        if (!live) return
        setFrame(d)
        setLoadingId(null)
      },
      (e: unknown) => {
        if (!live) return
        setLoadingId(null)
        toasts.error(e)
      }
    )
    return () => {
      live = false
    }
  }, [modelId, currentId, versionKey, cache, toasts])
  useEffect(() => {
    if (modelId === null || index < 0) return
    cache.prefetch(modelId, [...items.slice(index + 1, index + 1 + PREFETCH_AHEAD), ...items.slice(Math.max(0, index - 1), index)])
  }, [modelId, index, items, cache])

  const drawn = useRef<{ id: number | null; listeners: ((id: number) => void)[] }>({ id: null, listeners: [] })
  const onDrawn = useCallback((id: number) => {
    drawn.current.id = id
    rootRef.current?.setAttribute('data-drawn-id', String(id))
    for (const l of drawn.current.listeners.splice(0)) l(id)
  }, [])

  // ---------------------------------------------------------------- actions
  const go = useCallback(
    (delta: number) => {
      if (items.length === 0) return
      const next = Math.min(items.length - 1, Math.max(0, (index < 0 ? 0 : index) + delta))
      setCurrentId(items[next]!.imageId)
    },
    [items, index]
  )

  const openEditor = useCallback(() => {
    if (index < 0) return
    onOpenEditor(
      items.map((i) => i.imageId),
      index
    )
  }, [items, index, onOpenEditor])

  const focusClassId = focus === 'all' ? null : focus
  const { proposal, setProposal, lastAction, setLastAction, act, undo } = useVerdicts({
    item,
    after: items[index + 1]?.imageId ?? items[index - 1]?.imageId ?? null,
    modelId,
    thresholds,
    focusClassId,
    busy,
    setBusy,
    setCurrentId,
    openEditor,
    refreshQueue: throttledQueue,
    toasts
  })

  /** Runs one toolbar action with its button busy; a failure becomes a toast. */
  const busyWith = useCallback(
    async (kind: NonNullable<Busy>, work: () => Promise<void>) => {
      setBusy(kind)
      try {
        await work()
      } catch (e) {
        toasts.error(e)
      } finally {
        setBusy(null)
      }
    },
    [toasts]
  )

  const runModel = useCallback(async () => {
    if (modelId === null) return
    await busyWith('infer', async () => {
      const r = await api().review.infer({ modelId, filter })
      toasts.info(
        r.runId === null
          ? 'Every frame of this filter has a prediction of this model, or one on its way.'
          : `Running the model on ${r.frames} frames (run #${r.runId})`
      )
      throttledQueue()
    })
  }, [modelId, filter, toasts, throttledQueue, busyWith])

  const saveThresholds = useCallback(async () => {
    if (modelId === null || !draft) return
    await busyWith('save', async () => {
      const r = await api().review.setThresholds({ modelId, thresholds: draft })
      toasts.info(`Thresholds saved with model #${modelId} as revision ${r.revision}`)
      setDraft(null)
      loadModels()
      throttledQueue()
    })
  }, [modelId, draft, toasts, loadModels, throttledQueue, busyWith])

  const exportReport = useCallback(async () => {
    if (modelId === null) return
    await busyWith('report', async () => {
      const r = await api().review.report({ modelId, filter, ...(draft ? { thresholds: draft } : {}) })
      setReportPath(r.path)
      toasts.info(`Report written: ${r.path}`)
    })
  }, [modelId, filter, draft, toasts, busyWith])

  const setThreshold = useCallback((name: string, value: number) => setDraft((d) => ({ ...(d ?? thresholds), [name]: value })), [thresholds])

  const zoomBy = useCallback(
    (factor: number) => {
      const c = rootRef.current?.querySelector<HTMLCanvasElement>('[data-pane="frame"]')
      if (!view || !c) return
      setView(zoomAt(view, c.clientWidth / 2, c.clientHeight / 2, factor))
    },
    [view]
  )

  // ---------------------------------------------------------------- keys
  const keys = useRef<(e: KeyboardEvent) => void>(() => undefined)
  keys.current = (e: KeyboardEvent) => {
    // The editor over the page, or typing in a field, owns the keyboard.
    if (document.querySelector('[data-testid="editor"]') || isTyping(document.activeElement)) return
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'z') {
      e.preventDefault()
      void undo()
      return
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return
    const k = e.key.length === 1 ? e.key.toLowerCase() : e.key
    const actions: Record<string, () => void> = {
      d: () => go(1),
      j: () => go(1),
      ArrowDown: () => go(1),
      a: () => go(-1),
      k: () => go(-1),
      ArrowUp: () => go(-1),
      t: () => void act('true_defect'),
      f: () => void act('false_positive'),
      m: () => void act('missed_defect'),
      e: openEditor,
      Enter: () => (proposal ? void act('true_defect') : openEditor()),
      Escape: () => setProposal(null),
      x: () => setDiff((v) => !v),
      '0': () => setView(null),
      '+': () => zoomBy(1.25),
      '=': () => zoomBy(1.25),
      '-': () => zoomBy(0.8),
      c: () => {
        const order: Focus[] = ['all', ...classes.filter((c) => !untrained.has(c.id)).map((c) => c.id)]
        setFocus((f) => order[(order.indexOf(f) + 1) % order.length]!)
      }
    }
    const run = actions[k]
    if (run) {
      e.preventDefault()
      run()
    }
  }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => keys.current(e)
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  // ---------------------------------------------------------------- test hooks
  const snap = useRef<() => unknown>(() => null)
  snap.current = () => ({
    modelId,
    shownId: frame?.imageId ?? null,
    currentId,
    loading: loadingId !== null,
    drawnId: drawn.current.id,
    order: items.map((i) => i.imageId),
    ranked: ranked.map((i) => i.imageId),
    tiers: items.map((i) => i.evidence.tier),
    view,
    thresholds,
    queueThresholds: queue?.thresholds ?? null,
    counts: queue?.counts ?? null,
    pending: queue?.pending ?? null,
    proposal: proposal ? { imageId: proposal.imageId, polygons: proposal.preview.add.length } : null,
    lastAction: lastAction ? { imageId: lastAction.imageId, verdictIds: lastAction.verdictIds, undoable: lastAction.undoable } : null,
    tuneOn
  })
  useEffect(
    () =>
      installReviewHooks({
        snapshot: () => snap.current(),
        whenDrawn: (id) =>
          new Promise<number>((ok) => {
            if (drawn.current.id === id) ok(performance.now())
            else drawn.current.listeners.push((d) => (d === id ? ok(performance.now()) : undefined))
          })
      }),
    []
  )

  const previewRings: PreviewRing[] | null = useMemo(
    () =>
      proposal && frame?.imageId === proposal.imageId
        ? proposal.preview.add.map((p) => ({ points: p.points, colour: classes.find((c) => c.id === p.classId)?.color ?? '#ffffff' }))
        : null,
    [proposal, frame, classes]
  )

  // ---------------------------------------------------------------- render
  if (models === null) return <div className="review review-empty" data-testid="review">Loading…</div>
  if (models.length === 0) {
    return (
      <div className="review review-empty" data-testid="review" data-state="no-model">
        <p>No trained model yet. Train one on the Runs page; its predictions are reviewed here.</p>
      </div>
    )
  }
  return (
    <div
      className="review"
      ref={rootRef}
      data-testid="review"
      data-model-id={modelId ?? ''}
      data-shown-id={frame?.imageId ?? ''}
      data-current-id={currentId ?? ''}
      data-loading={loadingId !== null ? 'true' : 'false'}
    >
      <ReviewToolbar
        models={models}
        modelId={modelId}
        model={model}
        onModel={setModelId}
        filter={filter}
        classes={classes}
        untrained={untrained}
        onFilter={setFilter}
        queue={queue}
        frames={items.length}
        busy={busy}
        onRunModel={() => void runModel()}
        onReport={() => void exportReport()}
      />
      {reportPath && (
        <div className="review-note" data-testid="report-path">
          Report: {reportPath}{' '}
          <button type="button" className="link" onClick={() => setReportPath(null)}>
            ×
          </button>
        </div>
      )}
      <div className="review-body">
        <QueuePane
          queue={queue}
          items={items}
          held={!sameOrder(items, ranked)}
          currentId={currentId}
          classes={classes}
          onSelect={setCurrentId}
          onPointerOn={setPointerOnQueue}
        />
        <main className="review-main">
          <FrameActions
            item={item}
            index={index}
            total={items.length}
            busy={busy}
            classes={classes}
            untrained={untrained}
            focus={focus}
            onFocus={setFocus}
            diff={diff}
            onDiff={setDiff}
            onAct={(v) => void act(v)}
            onEdit={openEditor}
          />
          <VerdictNotes
            proposal={proposal}
            shownId={item?.imageId ?? null}
            lastAction={lastAction}
            classes={classes}
            busy={busy !== null}
            onConfirm={() => void act('true_defect')}
            onCancel={() => setProposal(null)}
            onUndo={() => void undo()}
            onDismiss={() => setLastAction(null)}
          />
          <Panes data={frame} classes={classes} thresholds={thresholds} focus={focus} diff={diff} view={view} onView={setView} onDrawn={onDrawn} preview={previewRings} />
          <div className="review-keys muted">
            D/A next/previous · T true defect (shows what it adds; T again adds) · F false positive · M missed defect · Ctrl+Z undo · E edit · X difference · C class · wheel, drag, 0 fit
          </div>
        </main>
        <SidePanel
          classes={classes}
          untrained={untrained}
          queue={queue}
          thresholds={thresholds}
          dirty={dirty}
          metrics={metrics}
          metricsStale={metricsStale}
          onThreshold={setThreshold}
          onSave={() => void saveThresholds()}
          onReset={() => setDraft(null)}
          saving={busy === 'save'}
          tuneOn={tuneOn}
          onTuneOn={setTuneOn}
          filterSplits={filter.splits}
        />
      </div>
    </div>
  )
}
