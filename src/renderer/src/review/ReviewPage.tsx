/**
 * The review workspace: the queue of a model's predictions in the order that
 * most needs a human, four panes side by side (frame, reconstruction,
 * heatmap, TP/FP/FN), a threshold slider per class with live counts,
 * metrics and curves, and one-key verdicts.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { AcceptPreview, ClassDef, ReviewFilter, ReviewMetrics, ReviewModel, ReviewQueue, ReviewVerdictName, Thresholds } from '../../../shared/contract'
import { api } from '../api'
import { ClassChangesNote } from '../classes/ClassChangesNote'
import { dropMissingClasses } from '../classes/filterClasses'
import { zoomAt, type View } from '../editor/geometry/viewport'
import { throttle } from '../throttle'
import { useToasts } from '../toasts'
import { FrameCache, type FrameData } from './frameData'
import { Panes, type Focus, type PreviewRing } from './Panes'
import { QueueList } from './QueueList'
import { ReviewFilters, VERDICT_LABELS } from './ReviewFilters'
import { SidePanel } from './SidePanel'
import { tuningSplits, type TuneOn } from './tuning'
import { installReviewHooks } from './testHooks'
import './review.css'

export interface ReviewPageProps {
  classes: ClassDef[]
  /** Opens the mask editor on these frames, at this index (the review's order). */
  onOpenEditor(imageIds: number[], index: number): void
}

const QUEUE_THROTTLE_MS = 120
const METRICS_DEBOUNCE_MS = 400
const PREFETCH_AHEAD = 3

function sameThresholds(a: Thresholds, b: Thresholds): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const k of keys) if (Math.abs((a[k] ?? -1) - (b[k] ?? -1)) > 1e-9) return false
  return true
}

/** What T would add to a frame, shown before it is added. */
interface Proposal {
  imageId: number
  classId: number | null
  thresholdsKey: string
  preview: AcceptPreview
  testFrame: boolean
}

/** The last verdict that changed a frame, for Undo (Ctrl+Z). */
interface LastAction {
  imageId: number
  verdictIds: number[]
  text: string
  undoable: boolean
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function isTyping(el: Element | null): boolean {
  if (!el) return false
  const tag = el.tagName
  return tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || (el as HTMLElement).isContentEditable
}

export function ReviewPage({ classes, onOpenEditor }: ReviewPageProps) {
  const toasts = useToasts()
  const [models, setModels] = useState<ReviewModel[] | null>(null)
  const [modelId, setModelId] = useState<number | null>(null)
  const [filter, setFilter] = useState<ReviewFilter>({})
  useEffect(() => setFilter((f) => dropMissingClasses(f, classes)), [classes])
  const [draft, setDraft] = useState<Thresholds | null>(null)
  const [queue, setQueue] = useState<ReviewQueue | null>(null)
  const [currentId, setCurrentId] = useState<number | null>(null)
  const [frame, setFrame] = useState<FrameData | null>(null)
  const [loadingId, setLoadingId] = useState<number | null>(null)
  const [view, setView] = useState<View | null>(null)
  const [focus, setFocus] = useState<Focus>('all')
  const [diff, setDiff] = useState(false)
  const [metrics, setMetrics] = useState<ReviewMetrics | null>(null)
  const [metricsFor, setMetricsFor] = useState('')
  const [busy, setBusy] = useState<null | 'infer' | 'report' | 'save' | 'undo' | ReviewVerdictName>(null)
  const [reportPath, setReportPath] = useState<string | null>(null)
  const [tuneOn, setTuneOn] = useState<TuneOn>('val')
  const [proposal, setProposal] = useState<Proposal | null>(null)
  const [lastAction, setLastAction] = useState<LastAction | null>(null)
  const rootRef = useRef<HTMLDivElement>(null)
  const cache = useMemo(() => new FrameCache(api()), [])
  const filterKey = JSON.stringify(filter)
  const draftKey = draft ? JSON.stringify(draft) : ''
  const model = models?.find((m) => m.id === modelId) ?? null

  // ---------------------------------------------------------------- models
  const loadModels = useCallback(() => {
    api()
      .review.models({})
      .then((list) => {
        setModels(list)
        setModelId((id) => (id !== null && list.some((m) => m.id === id) ? id : (list.find((m) => m.active) ?? list[0])?.id ?? null))
      }, (e: unknown) => toasts.error(e))
  }, [toasts])
  useEffect(loadModels, [loadModels])

  // ---------------------------------------------------------------- queue
  const seq = useRef(0)
  const [metricsTick, setMetricsTick] = useState(0)
  const fetchQueue = useCallback(() => {
    if (modelId === null) return
    const mine = ++seq.current
    api()
      .review.queue({ modelId, filter: JSON.parse(filterKey) as ReviewFilter, ...(draftKey ? { thresholds: JSON.parse(draftKey) as Thresholds } : {}) })
      .then((q) => {
        if (mine !== seq.current) return
        setQueue(q)
        setCurrentId((id) => (id !== null && q.items.some((i) => i.imageId === id) ? id : (q.items[0]?.imageId ?? null)))
      }, (e: unknown) => mine === seq.current && toasts.error(e))
  }, [modelId, filterKey, draftKey, toasts])
  const fetchQueueRef = useRef(fetchQueue)
  fetchQueueRef.current = fetchQueue
  const throttledQueue = useMemo(() => throttle(() => fetchQueueRef.current(), QUEUE_THROTTLE_MS), [])
  useEffect(() => {
    throttledQueue()
  }, [fetchQueue, throttledQueue])
  useEffect(() => () => throttledQueue.cancel(), [throttledQueue])
  // A new model or filter: the old queue would mislead.
  useEffect(() => {
    setQueue(null)
    setMetrics(null)
  }, [modelId, filterKey])
  useEffect(() => {
    setDraft(null)
    cache.clear()
  }, [modelId, cache])

  // Changes made elsewhere (editor, inference, another window) refresh what is shown.
  useEffect(() => {
    // Cached frames reload by the versions the new queue carries.
    const offChanged = api().on('workspace.changed', (e) => {
      // A class added or removed changes which classes the model was trained on and what is counted.
      if (e.what === 'predictions' || e.what === 'labels' || e.what === 'images' || e.what === 'classes') {
        throttledQueue()
        setMetricsTick((t) => t + 1)
      }
      if (e.what === 'runs') loadModels()
    })
    const offRun = api().on('run.state', (s) => {
      if (s.kind === 'train' || s.state === 'done') loadModels()
      if (s.kind === 'infer') throttledQueue()
    })
    return () => {
      offChanged()
      offRun()
    }
  }, [loadModels, throttledQueue])

  const thresholds: Thresholds = useMemo(() => draft ?? queue?.thresholds ?? model?.thresholds ?? {}, [draft, queue, model])
  // Classes the model has no output for: listed as "not trained", never shown or counted.
  const untrained = useMemo(() => new Set(queue?.untrainedClassIds ?? []), [queue])
  const saved = useMemo(() => Object.fromEntries(classes.map((c) => [c.name, model?.thresholds[c.name] ?? 0.5])), [classes, model])
  const dirty = draft !== null && !sameThresholds(draft, saved)

  // ---------------------------------------------------------------- metrics (debounced)
  // Thresholds are tuned on validation frames unless asked otherwise: tuning on test frames biases the test report.
  const tuneKey = JSON.stringify({ ...filter, splits: tuningSplits(tuneOn, filter.splits) })
  const metricsKey = `${modelId}|${tuneKey}|${draftKey}|${metricsTick}`
  useEffect(() => {
    if (modelId === null) return
    let live = true
    const timer = setTimeout(() => {
      api()
        .review.metrics({ modelId, filter: JSON.parse(tuneKey) as ReviewFilter, ...(draftKey ? { thresholds: JSON.parse(draftKey) as Thresholds } : {}) })
        .then((m) => {
          if (!live) return
          setMetrics(m)
          setMetricsFor(metricsKey)
        }, (e: unknown) => live && toasts.error(e))
    }, METRICS_DEBOUNCE_MS)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [modelId, tuneKey, draftKey, metricsKey, toasts])

  // ---------------------------------------------------------------- the shown frame
  const items = useMemo(() => queue?.items ?? [], [queue])
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

  // A proposal belongs to one frame, class and set of thresholds: any change withdraws it.
  const focusClassId = focus === 'all' ? null : focus
  const thresholdsKey = JSON.stringify(thresholds)
  useEffect(() => setProposal(null), [currentId, focusClassId, thresholdsKey, modelId])

  const verdictToast = useCallback(
    (verdict: ReviewVerdictName, r: { labelsAdded: number; status: string; pending: boolean }, relPath: string) => {
      if (r.pending) {
        return `${verdict === 'true_defect' ? 'True defect' : 'False positive'} on test frame ${relPath}: recorded, waiting for an inspector to confirm it in the editor. Its labels and status are unchanged.`
      }
      return verdict === 'true_defect'
        ? `True defect: ${plural(r.labelsAdded, 'polygon')} added to ${relPath}`
        : verdict === 'false_positive'
          ? `False positive${r.status === 'normal' ? `: ${relPath} is marked normal` : ` on ${relPath}`}`
          : 'Missed defect: draw it in the editor'
    },
    []
  )

  const act = useCallback(
    async (verdict: ReviewVerdictName) => {
      if (!item || modelId === null || busy) return
      const testFrame = item.split === 'test'
      // T first shows what it would add; T again (or Enter) adds it.
      if (verdict === 'true_defect' && !(proposal && proposal.imageId === item.imageId)) {
        setBusy(verdict)
        try {
          const preview = await api().predictions.previewAccept({ imageId: item.imageId, modelId, thresholds, ...(focusClassId !== null ? { classId: focusClassId } : {}) })
          if (preview.add.length === 0) {
            toasts.info('Nothing new to accept: at these thresholds the prediction is empty or already under the labels. Lower the threshold, or mark a missed defect (M).')
          } else setProposal({ imageId: item.imageId, classId: focusClassId, thresholdsKey, preview, testFrame })
        } catch (e) {
          toasts.error(e)
        } finally {
          setBusy(null)
        }
        return
      }
      const after = items[index + 1]?.imageId ?? items[index - 1]?.imageId ?? null
      setBusy(verdict)
      try {
        const r = await api().review.verdict({
          imageId: item.imageId,
          modelId,
          verdict,
          thresholds,
          ...(verdict === 'true_defect' && proposal?.classId != null ? { classId: proposal.classId } : {})
        })
        setProposal(null)
        const text = verdictToast(verdict, r, item.relPath)
        toasts.info(text)
        setLastAction(verdict === 'missed_defect' ? null : { imageId: item.imageId, verdictIds: r.verdicts.map((v) => v.id), text, undoable: !r.pending })
        if (verdict === 'missed_defect') openEditor()
        else if (after !== null) setCurrentId(after)
        throttledQueue()
      } catch (e) {
        toasts.error(e)
      } finally {
        setBusy(null)
      }
    },
    [item, modelId, busy, items, index, thresholds, thresholdsKey, focusClassId, proposal, toasts, openEditor, throttledQueue, verdictToast]
  )

  const undo = useCallback(async () => {
    if (!lastAction?.undoable || busy) return
    setBusy('undo')
    try {
      const r = await api().review.undoVerdict({ verdictIds: lastAction.verdictIds })
      toasts.info(`Undone: ${r.labelsAdded < 0 ? `${plural(-r.labelsAdded, 'polygon')} removed, ` : ''}the frame is ${r.status} again`)
      setLastAction(null)
      setCurrentId(lastAction.imageId)
      throttledQueue()
    } catch (e) {
      toasts.error(e)
    } finally {
      setBusy(null)
    }
  }, [lastAction, busy, toasts, throttledQueue])

  const runModel = useCallback(async () => {
    if (modelId === null) return
    setBusy('infer')
    try {
      const r = await api().review.infer({ modelId, filter })
      toasts.info(
        r.runId === null
          ? 'Every frame of this filter has a prediction of this model, or one on its way.'
          : `Running the model on ${r.frames} frames (run #${r.runId})`
      )
      throttledQueue()
    } catch (e) {
      toasts.error(e)
    } finally {
      setBusy(null)
    }
  }, [modelId, filter, toasts, throttledQueue])

  const saveThresholds = useCallback(async () => {
    if (modelId === null || !draft) return
    setBusy('save')
    try {
      const r = await api().review.setThresholds({ modelId, thresholds: draft })
      toasts.info(`Thresholds saved with model #${modelId} as revision ${r.revision}`)
      setDraft(null)
      loadModels()
      throttledQueue()
    } catch (e) {
      toasts.error(e)
    } finally {
      setBusy(null)
    }
  }, [modelId, draft, toasts, loadModels, throttledQueue])

  const exportReport = useCallback(async () => {
    if (modelId === null) return
    setBusy('report')
    try {
      const r = await api().review.report({ modelId, filter, ...(draft ? { thresholds: draft } : {}) })
      setReportPath(r.path)
      toasts.info(`Report written: ${r.path}`)
    } catch (e) {
      toasts.error(e)
    } finally {
      setBusy(null)
    }
  }, [modelId, filter, draft, toasts])

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
  const counts = queue ? `${items.length} frames${queue.pending ? ` · ${queue.pending} being counted` : ''}` : '…'
  const frameFacts = item ? `${item.relPath} · ${item.view} · ${item.split} · ${item.status}` : ''
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
      <div className="review-toolbar">
        <label className="review-model">
          Model{' '}
          <select value={modelId ?? ''} data-testid="review-model" onChange={(e) => setModelId(Number(e.currentTarget.value))}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                #{m.id} · run {m.runId} · {m.arch}
                {m.active ? ' · active' : ''} · {m.predictions} predicted
              </option>
            ))}
          </select>
        </label>
        <ReviewFilters filter={filter} classes={classes} untrained={untrained} onChange={setFilter} />
        <div className="review-toolbar-actions">
          <button
            type="button"
            className="review-run"
            data-testid="review-run-model"
            data-frames={queue?.withoutPredictions ?? ''}
            data-running={queue?.inferRunId != null ? 'true' : 'false'}
            disabled={busy === 'infer' || queue === null || queue.withoutPredictions === 0}
            title="Predictions for the frames of this filter that the model has not seen yet (labelled, normal, any split)"
            onClick={() => void runModel()}
          >
            Run the model on these frames{queue ? ` (${queue.withoutPredictions})` : ''}
          </button>
          {queue?.inferRunId != null && (
            <span className="muted" data-testid="review-infer-running">
              <span className="spinner" /> running the model…
            </span>
          )}
          <button type="button" data-testid="review-report" disabled={busy === 'report' || items.length === 0} onClick={() => void exportReport()}>
            {busy === 'report' ? 'Writing…' : 'Export report'}
          </button>
        </div>
        {model && <ClassChangesNote runId={model.runId} />}
      </div>
      {reportPath && (
        <div className="review-note" data-testid="report-path">
          Report: {reportPath}{' '}
          <button type="button" className="link" onClick={() => setReportPath(null)}>
            ×
          </button>
        </div>
      )}
      <div className="review-body">
        <aside className="review-queue">
          <div className="review-queue-head muted" data-testid="review-queue-count" data-count={items.length} data-pending={queue?.pending ?? ''}>
            {counts}
          </div>
          {queue && items.length === 0 ? (
            <p className="muted review-queue-empty" data-testid="review-queue-empty">
              {queue.withoutPredictions > 0
                ? `No predictions here yet: run the model on these ${queue.withoutPredictions} frames.`
                : queue.pending > 0
                  ? 'Counting the maps…'
                  : 'No frames match these filters.'}
            </p>
          ) : (
            <QueueList items={items} currentId={currentId} classes={classes} onSelect={setCurrentId} />
          )}
        </aside>
        <main className="review-main">
          <div className="review-actions">
            <span className="review-facts muted" title={frameFacts}>
              {index >= 0 ? `${index + 1} / ${items.length} · ${frameFacts}` : ''}
              {item?.verdict && ` · ${VERDICT_LABELS[item.verdict.verdict]} (${item.verdict.author}${item.verdict.state === 'pending' ? ', waiting for confirmation' : ''})`}
            </span>
            <button
              type="button"
              data-testid="act-true"
              disabled={!item || busy !== null}
              onClick={() => void act('true_defect')}
              title={
                item?.split === 'test'
                  ? 'Test frame: shows what would be added; the verdict then waits for confirmation in the editor'
                  : 'Shows the predicted pieces it would add as labels; press again to add them'
              }
            >
              <kbd>T</kbd> True defect
            </button>
            <button
              type="button"
              data-testid="act-fp"
              disabled={!item || busy !== null}
              onClick={() => void act('false_positive')}
              title={item?.split === 'test' ? 'Test frame: recorded, waits for confirmation in the editor' : 'The frame stays or becomes normal'}
            >
              <kbd>F</kbd> False positive
            </button>
            <button type="button" data-testid="act-missed" disabled={!item || busy !== null} onClick={() => void act('missed_defect')} title="Opens the editor to draw it">
              <kbd>M</kbd> Missed defect
            </button>
            <button type="button" data-testid="act-edit" disabled={!item} onClick={openEditor}>
              <kbd>E</kbd> Edit
            </button>
            <label className="review-focus">
              Class{' '}
              <select
                value={String(focus)}
                data-testid="review-focus"
                onChange={(e) => setFocus(e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value))}
              >
                <option value="all">all defect classes</option>
                {classes.map((c) => (
                  <option key={c.id} value={c.id} disabled={untrained.has(c.id)}>
                    {c.name}
                    {untrained.has(c.id) ? ' (not trained)' : ''}
                  </option>
                ))}
              </select>
            </label>
            <label className="check">
              <input type="checkbox" checked={diff} data-testid="review-diff" onChange={(e) => setDiff(e.currentTarget.checked)} /> <kbd>X</kbd> difference
            </label>
          </div>
          <div className="review-notes">
            {proposal && item?.imageId === proposal.imageId && (
              <div className={`review-note review-preview${proposal.testFrame ? ' review-pending' : ''}`} data-testid="t-preview" data-count={proposal.preview.add.length}>
                <strong>
                  T adds {plural(proposal.preview.add.length, 'polygon')}
                </strong>{' '}
                ({describeAdd(proposal.preview, classes)}, outlined on the frame) as one step you can undo.{' '}
                {proposal.testFrame && (
                  <span data-testid="t-preview-test">
                    This is a <b>test</b> frame: the verdict is recorded and waits for an inspector to confirm it in the editor; nothing changes now.{' '}
                  </span>
                )}
                <button type="button" className="primary" data-testid="t-confirm" disabled={busy !== null} onClick={() => void act('true_defect')}>
                  <kbd>T</kbd>/<kbd>Enter</kbd> {proposal.testFrame ? 'Record' : 'Add'}
                </button>{' '}
                <button type="button" data-testid="t-cancel" onClick={() => setProposal(null)}>
                  <kbd>Esc</kbd> Cancel
                </button>
              </div>
            )}
            {lastAction && (
              <div className="review-note review-undo" data-testid="last-verdict" data-undoable={lastAction.undoable}>
                {lastAction.text}{' '}
                {lastAction.undoable && (
                  <button type="button" data-testid="undo-verdict" disabled={busy !== null} onClick={() => void undo()}>
                    <kbd>Ctrl+Z</kbd> Undo
                  </button>
                )}{' '}
                <button type="button" className="link" onClick={() => setLastAction(null)}>
                  ×
                </button>
              </div>
            )}
          </div>
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
          metricsStale={metricsFor !== metricsKey}
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

function describeAdd(p: AcceptPreview, classes: readonly ClassDef[]): string {
  const counts = new Map<number, number>()
  for (const x of p.add) counts.set(x.classId, (counts.get(x.classId) ?? 0) + 1)
  return [...counts].map(([id, n]) => `${classes.find((c) => c.id === id)?.name ?? `class ${id}`} ${n}`).join(', ')
}
