/**
 * What the review shows from main: the trained models, the queue of one
 * model's predictions under the filter (throttled while thresholds move), and
 * the metrics at the thresholds being tuned (debounced). Changes made
 * elsewhere (editor, inference, another window) refresh them.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ReviewFilter, ReviewMetrics, ReviewModel, ReviewQueue, Thresholds } from '../../../shared/contract'
import { api } from '../api'
import { throttle } from '../throttle'
import type { useToasts } from '../toasts'
import type { FrameCache } from './frameData'
import { tuningSplits, type TuneOn } from './tuning'

const QUEUE_THROTTLE_MS = 120
const METRICS_DEBOUNCE_MS = 400

export interface ReviewDataDeps {
  filter: ReviewFilter
  draft: Thresholds | null
  tuneOn: TuneOn
  cache: FrameCache
  /** The queue keeps the shown frame when it is still in it, else shows its first. */
  setCurrentId(update: (id: number | null) => number | null): void
  setDraft(d: Thresholds | null): void
  toasts: ReturnType<typeof useToasts>
}

export function useReviewData({ filter, draft, tuneOn, cache, setCurrentId, setDraft, toasts }: ReviewDataDeps) {
  const [models, setModels] = useState<ReviewModel[] | null>(null)
  const [modelId, setModelId] = useState<number | null>(null)
  const [queue, setQueue] = useState<ReviewQueue | null>(null)
  const [metrics, setMetrics] = useState<ReviewMetrics | null>(null)
  const [metricsFor, setMetricsFor] = useState('')
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

  return { models, modelId, setModelId, model, queue, metrics, metricsStale: metricsFor !== metricsKey, loadModels, refreshQueue: throttledQueue }
}
