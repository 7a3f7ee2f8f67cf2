/**
 * Latest known state of every background job, fed by job.progress and
 * job.state events from the moment the app starts. Subscribing once, early,
 * means a dialog that starts a job cannot miss the events that arrive before
 * its start call resolves.
 */
import { useSyncExternalStore } from 'react'
import type { JobKind, JobProgress, JobState, JobStateName, StudioApi } from '../../shared/contract'

export interface JobView {
  jobId: string
  kind: JobKind
  state: JobStateName
  done: number
  total: number
  message?: string
  etaSec?: number
  error?: string
  result?: unknown
}

export const TERMINAL_STATES: ReadonlySet<JobStateName> = new Set(['done', 'failed', 'cancelled'])

class JobStore {
  private jobs = new Map<string, JobView>()
  private listeners = new Set<() => void>()
  private version = 0

  attach(api: Pick<StudioApi, 'on'>): () => void {
    const offProgress = api.on('job.progress', (p) => this.progress(p))
    const offState = api.on('job.state', (s) => this.state(s))
    return () => {
      offProgress()
      offState()
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getVersion = (): number => this.version

  get(jobId: string): JobView | undefined {
    return this.jobs.get(jobId)
  }

  active(): JobView[] {
    return [...this.jobs.values()].filter((j) => !TERMINAL_STATES.has(j.state))
  }

  private progress(p: JobProgress): void {
    const old = this.jobs.get(p.jobId)
    // A late progress event must not revive a finished job.
    const state = old && TERMINAL_STATES.has(old.state) ? old.state : old?.state === 'cancelling' ? 'cancelling' : 'running'
    this.put({ ...old, jobId: p.jobId, kind: p.kind, state, done: p.done, total: p.total, message: p.message, etaSec: p.etaSec })
  }

  private state(s: JobState): void {
    const old = this.jobs.get(s.jobId)
    this.put({ done: 0, total: 0, ...old, jobId: s.jobId, kind: s.kind, state: s.state, error: s.error, result: s.result })
  }

  private put(job: JobView): void {
    this.jobs.set(job.jobId, job)
    this.version++
    for (const l of this.listeners) l()
  }
}

export const jobStore = new JobStore()

/** Re-renders the caller whenever any job changes. */
export function useJobs(): JobStore {
  useSyncExternalStore(jobStore.subscribe, jobStore.getVersion)
  return jobStore
}
