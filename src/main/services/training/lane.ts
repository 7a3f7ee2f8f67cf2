import { MlJobError, type MlHost } from './mlHost'

export interface LaneTask {
  runId: number
  /** Runs the task on a live host; a crash of that host rejects with MlJobError('crashed'). */
  run(host: MlHost, signal: AbortSignal): Promise<void>
}

/**
 * One queue of ML jobs with its own host process: jobs run one at a time,
 * in order. A host that died is dropped, so the next job starts a fresh one.
 */
export class Lane {
  private readonly queue: { task: LaneTask; controller: AbortController }[] = []
  private current: { task: LaneTask; controller: AbortController } | null = null
  private host: MlHost | null = null
  private draining: Promise<void> | null = null
  private running = false

  constructor(
    readonly name: string,
    private readonly makeHost: () => MlHost,
    private readonly onTaskError: (runId: number, err: unknown) => void
  ) {}

  get busy(): boolean {
    return this.current !== null || this.queue.length > 0
  }

  get runningRunId(): number | null {
    return this.current?.task.runId ?? null
  }

  /** The live host, started on demand. */
  liveHost(): MlHost {
    if (!this.host || !this.host.alive) this.host = this.makeHost()
    return this.host
  }

  enqueue(task: LaneTask): void {
    this.queue.push({ task, controller: new AbortController() })
    // The flag drops inside drain() itself, in the same tick it sees an empty
    // queue, so a task enqueued from a callback of the last one still runs.
    if (!this.running) {
      this.running = true
      this.draining = this.drain()
    }
  }

  /** Cancels a queued task at once, or asks the running one to stop. */
  cancel(runId: number): 'dequeued' | 'signalled' | 'unknown' {
    const i = this.queue.findIndex((q) => q.task.runId === runId)
    if (i >= 0) {
      this.queue.splice(i, 1)
      return 'dequeued'
    }
    if (this.current?.task.runId === runId) {
      this.current.controller.abort()
      return 'signalled'
    }
    return 'unknown'
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        this.current = this.queue.shift()!
        try {
          await this.current.task.run(this.liveHost(), this.current.controller.signal)
        } catch (err) {
          if (err instanceof MlJobError && err.code === 'crashed') this.host = null
          const runId = this.current.task.runId
          this.current = null
          this.onTaskError(runId, err)
        } finally {
          this.current = null
        }
      }
    } finally {
      this.running = false
    }
  }

  /** Cancels everything and stops the host. */
  async close(): Promise<void> {
    this.queue.length = 0
    this.current?.controller.abort()
    await this.draining?.catch(() => undefined)
    await this.host?.close()
    this.host = null
  }

  /** For tests: the running host process, to kill it. */
  get hostForTests(): MlHost | null {
    return this.host
  }
}
