/**
 * A value read through the contract and read again when main reports a
 * change that may affect it (run.state, workspace.changed), a few times a
 * second at most. Answers that arrive after a newer request are dropped.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import type { Events, RunStateChange } from '../../../shared/contract'
import { api } from '../api'
import { throttle } from '../throttle'
import { useToasts } from '../toasts'

type Changed = Events['workspace.changed']['what']

export interface RefreshOn {
  /** Every run.state event, or those the predicate accepts. */
  runState?: boolean | ((s: RunStateChange) => boolean)
  changed?: readonly Changed[]
}

const REFRESH_EVERY_MS = 300

export function useApiData<T>(load: (() => Promise<T>) | null, on: RefreshOn): { data: T | null; reload(): void } {
  const toasts = useToasts()
  const [data, setData] = useState<T | null>(null)
  const [tick, setTick] = useState(0)
  const seq = useRef(0)
  const lastLoad = useRef(load)
  const reload = useCallback(() => setTick((t) => t + 1), [])

  useEffect(() => {
    if (!load) {
      lastLoad.current = load
      setData(null)
      return
    }
    // Another thing to show (another run): blank it rather than show the old one meanwhile.
    if (lastLoad.current !== load) {
      lastLoad.current = load
      setData(null)
    }
    const mine = ++seq.current
    load().then(
      (v) => mine === seq.current && setData(v),
      (e: unknown) => mine === seq.current && toasts.error(e)
    )
  }, [load, tick, toasts])

  // Read through a ref so callers may pass a fresh object each render.
  const rule = useRef(on)
  rule.current = on
  useEffect(() => {
    const refresh = throttle(reload, REFRESH_EVERY_MS)
    const offState = api().on('run.state', (s) => {
      const r = rule.current.runState
      if (r === true || (typeof r === 'function' && r(s))) refresh()
    })
    const offChanged = api().on('workspace.changed', (e) => {
      if (rule.current.changed?.includes(e.what)) refresh()
    })
    return () => {
      offState()
      offChanged()
      refresh.cancel()
    }
  }, [reload])

  return { data, reload }
}
