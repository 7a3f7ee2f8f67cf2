import { afterEach, describe, expect, it, vi } from 'vitest'
import type { EventName, Events } from '../../../shared/contract'
import { RunLive } from './runLive'

/** The event half of window.api, driven by the test. */
function fakeApi() {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  return {
    on<E extends EventName>(event: E, listener: (p: Events[E]) => void): () => void {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      set.add(listener as (p: unknown) => void)
      return () => set.delete(listener as (p: unknown) => void)
    },
    emit<E extends EventName>(event: E, payload: Events[E]): void {
      for (const l of listeners.get(event) ?? []) l(payload)
    },
    count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0)
  }
}

const progress = (runId: number, step: number, loss: number | null = 0.5) => ({
  runId,
  stage: 'recon',
  epoch: 2,
  epochs: 3,
  step,
  steps: 4,
  loss,
  imagesPerSec: 3,
  etaSec: 10
})

afterEach(() => vi.useRealTimers())

describe('live run events', () => {
  it('keeps the latest progress and a running-loss sample per step, per run', () => {
    const api = fakeApi()
    const live = new RunLive()
    live.attach(api)
    api.emit('run.progress', progress(1, 1))
    api.emit('run.progress', progress(1, 2, 0.4))
    api.emit('run.progress', progress(2, 1, null))
    expect(live.progress(1)?.step).toBe(2)
    expect(live.samples(1)).toEqual([
      { stage: 'recon', x: 1.25, loss: 0.5 },
      { stage: 'recon', x: 1.5, loss: 0.4 }
    ])
    // Eval and infer report no loss: no sample, but the progress counts.
    expect(live.samples(2)).toEqual([])
    expect(live.progress(2)?.step).toBe(1)
  })

  it('appends epochs, and forgets the progress of a run that ended', () => {
    const api = fakeApi()
    const live = new RunLive()
    live.attach(api)
    api.emit('run.progress', progress(1, 4))
    api.emit('run.epoch', { runId: 1, stage: 'recon', epoch: 2, trainLoss: 0.3, valLoss: 0.2 })
    expect(live.epochs(1)).toHaveLength(1)
    api.emit('run.state', { runId: 1, kind: 'train', state: 'done' })
    expect(live.progress(1)).toBeNull()
    expect(live.state(1)?.state).toBe('done')
    expect(live.epochs(1)).toHaveLength(1)
  })

  it('tells subscribers at once about epochs and states, and about a burst of progress once', () => {
    vi.useFakeTimers()
    const api = fakeApi()
    const live = new RunLive()
    const off = live.attach(api)
    const seen = vi.fn()
    live.subscribe(seen)
    for (let s = 1; s <= 4; s++) api.emit('run.progress', progress(1, s))
    expect(seen).not.toHaveBeenCalled()
    vi.runAllTimers()
    expect(seen).toHaveBeenCalledTimes(1)
    api.emit('run.epoch', { runId: 1, stage: 'recon', epoch: 2, trainLoss: 0.3, valLoss: null })
    expect(seen).toHaveBeenCalledTimes(2)
    off()
    expect(api.count()).toBe(0)
  })
})
