import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  isHostMessage,
  type BackendInfo,
  type EpochMessage,
  type HostMessage,
  type JobErrorCode,
  type JobResult,
  type JobSpec,
  type LogMessage,
  type ProgressMessage
} from '../../../shared/ml/protocol'

/** Where the ML host's entry is: the built bundle beside main, or the source under tsx. */
export function defaultHostEntry(): string {
  if (process.env.DEFECT_STUDIO_ML_HOST) return resolve(process.env.DEFECT_STUDIO_ML_HOST)
  const built = join(__dirname, 'ml-host.js')
  if (existsSync(built)) return built
  return resolve(__dirname, '../../../ml/host.ts')
}

export class MlJobError extends Error {
  constructor(
    readonly code: JobErrorCode | 'crashed',
    message: string,
    readonly checkpoint?: string
  ) {
    super(message)
    this.name = 'MlJobError'
  }
}

export interface JobCallbacks {
  onProgress?: (m: ProgressMessage) => void
  onEpoch?: (m: EpochMessage) => void
  onLog?: (m: LogMessage) => void
  signal?: AbortSignal
}

/**
 * The ML engine in its own process, spoken to by typed messages, so training
 * never blocks the caller's event loop. The CLI and tests fork Node; the app
 * can pass any process with the same send/on('message') shape.
 */
export class MlHost {
  readonly ready: Promise<BackendInfo>
  private exited = false
  private exitReason = ''
  private readonly listeners = new Set<(m: HostMessage) => void>()
  private seq = 0

  private constructor(private readonly child: ChildProcess) {
    this.ready = new Promise((ok, fail) => {
      const onReady = (m: HostMessage): void => {
        if (m.type === 'ready') {
          this.listeners.delete(onReady)
          ok(m.backend)
        }
      }
      this.listeners.add(onReady)
      child.once('exit', () => fail(new MlJobError('crashed', `ML process exited before it was ready: ${this.exitReason}`)))
    })
    this.ready.catch(() => undefined)
    child.on('message', (m: unknown) => {
      if (!isHostMessage(m)) return
      for (const l of [...this.listeners]) l(m)
    })
    let stderr = ''
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000)
    })
    child.once('exit', (code, signal) => {
      this.exited = true
      this.exitReason = signal ? `killed by ${signal}` : `exit code ${code}` + (stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : '')
    })
  }

  static fork(entry = defaultHostEntry(), env: NodeJS.ProcessEnv = process.env): MlHost {
    const child = fork(entry, [], {
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      env,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc']
    })
    return new MlHost(child)
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  /** Runs one job to its end; rejects with MlJobError (cancelled, nan-loss, crashed, ...). */
  async run(spec: JobSpec, cb: JobCallbacks = {}): Promise<JobResult> {
    await this.ready
    const jobId = `job-${++this.seq}`
    return new Promise<JobResult>((ok, fail) => {
      const onAbort = (): void => {
        if (!this.exited) this.child.send({ type: 'cancel', jobId })
      }
      const cleanup = (): void => {
        this.listeners.delete(listener)
        this.child.off('exit', onExit)
        cb.signal?.removeEventListener('abort', onAbort)
      }
      const listener = (m: HostMessage): void => {
        if ('jobId' in m && m.jobId !== undefined && m.jobId !== jobId) return
        switch (m.type) {
          case 'progress':
            cb.onProgress?.(m)
            break
          case 'epoch':
            cb.onEpoch?.(m)
            break
          case 'log':
            cb.onLog?.(m)
            break
          case 'done':
            cleanup()
            ok(m.result)
            break
          case 'error':
            cleanup()
            fail(new MlJobError(m.code, m.message, m.checkpoint))
            break
          default:
            break
        }
      }
      const onExit = (): void => {
        cleanup()
        fail(new MlJobError('crashed', `The ML process stopped during the job (${this.exitReason || 'no reason given'})`))
      }
      this.listeners.add(listener)
      this.child.once('exit', onExit)
      if (cb.signal?.aborted) onAbort()
      cb.signal?.addEventListener('abort', onAbort)
      this.child.send({ type: 'start', jobId, spec })
    })
  }

  async close(): Promise<void> {
    if (this.exited) return
    const exited = new Promise((ok) => this.child.once('exit', ok))
    this.child.send({ type: 'shutdown' })
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal)
  }
}
