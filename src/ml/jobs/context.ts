/**
 * What a running job may do with the outside world: send messages and ask
 * whether it was cancelled. The host binds this to its transport; tests bind
 * it to an array.
 */
import type { HostMessage, JobErrorCode, LogLevel } from '../../shared/arcd/protocol'

/** Messages a job emits while it runs ('ready', 'done' and 'error' belong to the host). */
export type JobEvent = Extract<HostMessage, { type: 'progress' | 'epoch' | 'log' }>

export interface JobContext {
  jobId: string
  emit(event: JobEvent): void
  isCancelled(): boolean
}

export class JobError extends Error {
  constructor(
    message: string,
    readonly code: JobErrorCode,
    readonly recoverable = false,
    readonly checkpoint?: string
  ) {
    super(message)
    this.name = 'JobError'
  }
}

export class CancelledError extends JobError {
  constructor(checkpoint?: string) {
    super(checkpoint ? `cancelled; resume from ${checkpoint}` : 'cancelled', 'cancelled', true, checkpoint)
  }
}

export function badInput(message: string): JobError {
  return new JobError(message, 'bad-input')
}

export function log(ctx: JobContext, level: LogLevel, message: string): void {
  ctx.emit({ type: 'log', level, message, jobId: ctx.jobId })
}

/** Lets queued messages (cancel) reach the job between compute steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** A context that records events; for tests and in-process callers. */
export function recordingContext(jobId = 'job', cancelWhen?: (events: JobEvent[]) => boolean): JobContext & { events: JobEvent[]; cancel(): void } {
  const events: JobEvent[] = []
  let cancelled = false
  return {
    jobId,
    events,
    emit(e) {
      events.push(e)
      if (cancelWhen?.(events)) cancelled = true
    },
    isCancelled: () => cancelled,
    cancel() {
      cancelled = true
    }
  }
}
