import { randomUUID } from 'node:crypto'
import type { JobKind, JobStateName } from '../../shared/contract'
import type { EventHub } from './events'

export interface JobContext {
  signal: AbortSignal
  progress(done: number, total: number, message?: string): void
}

interface Running {
  kind: JobKind
  controller: AbortController
  state: JobStateName
  done: Promise<unknown>
}

/** Progress events at most this often per job, so a fast import can't flood a window. */
const PROGRESS_INTERVAL_MS = 100

/** Runs background jobs (imports, exports) with progress, state events and cancel. */
export class Jobs {
  private jobs = new Map<string, Running>()

  constructor(private readonly events: EventHub) {}

  start(kind: JobKind, run: (ctx: JobContext) => Promise<unknown>): string {
    const jobId = `${kind}-${randomUUID().slice(0, 8)}`
    const controller = new AbortController()
    let last = 0
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (done, total, message) => {
        const now = Date.now()
        if (done < total && now - last < PROGRESS_INTERVAL_MS) return
        last = now
        this.events.emit('job.progress', { jobId, kind, done, total, ...(message ? { message } : {}) })
      }
    }
    this.events.emit('job.state', { jobId, kind, state: 'running' })
    const done = Promise.resolve()
      .then(() => run(ctx))
      .then(
        (result) => {
          const state: JobStateName = controller.signal.aborted ? 'cancelled' : 'done'
          this.finish(jobId, state)
          this.events.emit('job.state', { jobId, kind, state, result })
          return result
        },
        (err: unknown) => {
          this.finish(jobId, 'failed')
          this.events.emit('job.state', { jobId, kind, state: 'failed', error: (err as Error).message ?? String(err) })
        }
      )
    this.jobs.set(jobId, { kind, controller, state: 'running', done })
    return jobId
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId)
    if (!job || job.state !== 'running') return false
    job.state = 'cancelling'
    this.events.emit('job.state', { jobId, kind: job.kind, state: 'cancelling' })
    job.controller.abort()
    return true
  }

  /** Resolves when the job has finished (whatever its outcome). */
  async wait(jobId: string): Promise<unknown> {
    return this.jobs.get(jobId)?.done
  }

  /** Cancels everything and waits, e.g. before a workspace closes. */
  async cancelAll(): Promise<void> {
    const pending = [...this.jobs.entries()].filter(([, j]) => j.state === 'running' || j.state === 'cancelling')
    for (const [id] of pending) this.cancel(id)
    await Promise.all(pending.map(([, j]) => j.done))
  }

  private finish(jobId: string, state: JobStateName): void {
    const job = this.jobs.get(jobId)
    if (job) job.state = state
  }
}
