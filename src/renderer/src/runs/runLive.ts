/**
 * What the ML process reports while runs go: the latest progress, running-loss
 * samples for the curves, finished epochs and state changes. One store per
 * open workspace, subscribed when the workspace opens, so a page that opens
 * later still draws the curve from the run's start.
 */
import { createContext, createElement, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react'
import type { RunEpoch, RunProgress, RunStateChange, StudioApi } from '../../../shared/contract'
import type { LiveSample } from './curves'

/** Samples kept per run: above it, every other one is dropped (the curve stays the same shape). */
const MAX_SAMPLES = 2000
/** Progress arrives per training step; the screen needs it a few times a second at most. */
const NOTIFY_EVERY_MS = 150

const EMPTY_SAMPLES: readonly LiveSample[] = []
const EMPTY_EPOCHS: readonly RunEpoch[] = []

export class RunLive {
  private readonly progressOf = new Map<number, RunProgress>()
  private readonly samplesOf = new Map<number, LiveSample[]>()
  private readonly epochsOf = new Map<number, RunEpoch[]>()
  private readonly stateOf = new Map<number, RunStateChange>()
  private readonly listeners = new Set<() => void>()
  private version = 0
  private timer: ReturnType<typeof setTimeout> | null = null

  attach(api: Pick<StudioApi, 'on'>): () => void {
    const offs = [
      api.on('run.progress', (p) => this.onProgress(p)),
      api.on('run.epoch', (e) => this.onEpoch(e)),
      api.on('run.state', (s) => this.onState(s))
    ]
    return () => {
      for (const off of offs) off()
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getVersion = (): number => this.version

  progress(runId: number): RunProgress | null {
    return this.progressOf.get(runId) ?? null
  }

  samples(runId: number): readonly LiveSample[] {
    return this.samplesOf.get(runId) ?? EMPTY_SAMPLES
  }

  epochs(runId: number): readonly RunEpoch[] {
    return this.epochsOf.get(runId) ?? EMPTY_EPOCHS
  }

  state(runId: number): RunStateChange | null {
    return this.stateOf.get(runId) ?? null
  }

  onProgress(p: RunProgress): void {
    this.progressOf.set(p.runId, p)
    if (p.loss !== null && Number.isFinite(p.loss) && p.epochs > 0 && p.steps > 0) {
      const list = this.samplesOf.get(p.runId) ?? []
      list.push({ stage: p.stage, x: Math.max(0, p.epoch - 1) + p.step / p.steps, loss: p.loss })
      // A new array, so memoised readers see the change.
      this.samplesOf.set(p.runId, list.length > MAX_SAMPLES ? list.filter((_, i) => i % 2 === 1) : list.slice())
    }
    this.notifySoon()
  }

  onEpoch(e: RunEpoch): void {
    this.epochsOf.set(e.runId, [...(this.epochsOf.get(e.runId) ?? []), e])
    this.notifyNow()
  }

  onState(s: RunStateChange): void {
    this.stateOf.set(s.runId, s)
    // A finished run's last progress would show a bar stuck short of the end.
    if (s.state === 'done' || s.state === 'failed' || s.state === 'cancelled' || s.state === 'queued') this.progressOf.delete(s.runId)
    this.notifyNow()
  }

  private notifySoon(): void {
    if (this.timer) return
    this.timer = setTimeout(() => this.notifyNow(), NOTIFY_EVERY_MS)
  }

  private notifyNow(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.version++
    for (const l of this.listeners) l()
  }
}

const RunLiveContext = createContext<RunLive | null>(null)

/** Gives the workspace's pages one RunLive, subscribed for as long as the workspace is open. */
export function RunLiveProvider({ api, children }: { api: Pick<StudioApi, 'on'>; children: ReactNode }) {
  const [live] = useState(() => new RunLive())
  useEffect(() => live.attach(api), [live, api])
  return createElement(RunLiveContext.Provider, { value: live }, children)
}

/** The store, re-rendering the caller whenever it changes. */
export function useRunLive(): RunLive {
  const live = useContext(RunLiveContext)
  if (!live) throw new Error('useRunLive outside RunLiveProvider')
  useSyncExternalStore(live.subscribe, live.getVersion)
  return live
}
