/**
 * The host's message loop, independent of the transport: one job at a time,
 * cancel by job id, every failure reported as a typed 'error' message.
 */
import type { BackendInfo, HostMessage, JobResult, JobSpec, ParentMessage } from '../../shared/arcd/protocol'
import { isParentMessage } from '../../shared/arcd/protocol'
import { JobError, type JobContext, type JobEvent } from './context'
import { runEval } from './eval'
import { runExperiment } from './experiment'
import { runInfer } from './infer'
import { runTrain } from './train'

export interface Transport {
  send(message: HostMessage): void
  onMessage(handler: (message: unknown) => void): void
}

export async function runJob(spec: JobSpec, ctx: JobContext, backend: string): Promise<JobResult> {
  if (typeof spec !== 'object' || spec === null) throw new JobError('the job spec is missing', 'bad-input')
  switch (spec.kind) {
    case 'train':
      return runTrain(spec, ctx, backend)
    case 'eval':
      return runEval(spec, ctx)
    case 'infer':
      return runInfer(spec, ctx)
    case 'experiment':
      return runExperiment(spec, ctx, backend)
    default:
      throw new JobError(`unknown job kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`, 'bad-input')
  }
}

export class JobRunner {
  private current: { jobId: string; cancelled: boolean; done: Promise<void> } | null = null

  constructor(
    private readonly transport: Transport,
    private readonly backend: BackendInfo,
    private readonly onShutdown: () => void = () => {}
  ) {
    transport.onMessage((m) => this.handle(m))
  }

  get busy(): boolean {
    return this.current !== null
  }

  /** Resolves when the running job (if any) has finished. */
  async idle(): Promise<void> {
    await this.current?.done
  }

  private handle(message: unknown): void {
    if (!isParentMessage(message)) {
      this.transport.send({ type: 'log', level: 'warn', message: `ignored an unknown message: ${JSON.stringify(message)?.slice(0, 200)}` })
      return
    }
    const m: ParentMessage = message
    switch (m.type) {
      case 'start':
        this.start(m.jobId, m.spec)
        break
      case 'cancel':
        if (this.current && this.current.jobId === m.jobId) this.current.cancelled = true
        break
      case 'shutdown':
        this.shutdown()
        break
    }
  }

  /** Cancels the running job (it checkpoints if it trains), then calls onShutdown. */
  shutdown(): void {
    if (this.current) this.current.cancelled = true
    void this.idle().then(() => this.onShutdown())
  }

  start(jobId: string, spec: JobSpec): void {
    if (this.current) {
      this.transport.send({
        type: 'error',
        jobId,
        code: 'busy',
        recoverable: true,
        message: `job ${this.current.jobId} is still running; the host runs one job at a time`
      })
      return
    }
    const job = { jobId, cancelled: false, done: Promise.resolve() }
    const ctx: JobContext = {
      jobId,
      emit: (e: JobEvent) => this.transport.send(e),
      isCancelled: () => job.cancelled
    }
    this.current = job
    job.done = runJob(spec, ctx, this.backend.name)
      .then((result) => this.transport.send({ type: 'done', jobId, result }))
      .catch((err: unknown) => {
        if (err instanceof JobError) {
          this.transport.send({
            type: 'error',
            jobId,
            code: err.code,
            message: err.message,
            recoverable: err.recoverable,
            ...(err.checkpoint ? { checkpoint: err.checkpoint } : {})
          })
        } else {
          const e = err instanceof Error ? err : new Error(String(err))
          this.transport.send({ type: 'error', jobId, code: 'internal', message: e.message })
          this.transport.send({ type: 'log', level: 'debug', jobId, message: e.stack ?? e.message })
        }
      })
      .finally(() => {
        this.current = null
      })
  }
}
