import { fork } from 'node:child_process'
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
} from '../../../shared/arcd/protocol'

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
 * The few things MlHost needs of a process: Node's forked child in the CLI and
 * tests, Electron's utilityProcess in the app (adapted in src/main/ml).
 */
export interface HostProcess {
  readonly pid: number | undefined
  send(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
  /** Called once, with a reason a person can read. */
  onExit(listener: (reason: string) => void): void
  kill(): void
}

export function nodeHostProcess(entry = defaultHostEntry(), env: NodeJS.ProcessEnv = process.env): HostProcess {
  const child = fork(entry, [], {
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    env,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc']
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000)
    process.stderr.write(c)
  })
  return {
    pid: child.pid,
    send: (m) => {
      if (child.connected) child.send(m as object)
    },
    onMessage: (l) => child.on('message', l),
    onExit: (l) =>
      child.once('exit', (code, signal) => {
        const tail = stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''
        l(signal ? `killed by ${signal}` : `exit code ${code}${code === 0 ? '' : tail}`)
      }),
    kill: () => child.kill('SIGKILL')
  }
}

/**
 * The ML engine in its own process, spoken to by typed messages, so training
 * never blocks the caller's event loop.
 */
export class MlHost {
  readonly ready: Promise<BackendInfo>
  private exited = false
  private exitReason = ''
  private readonly listeners = new Set<(m: HostMessage) => void>()
  private seq = 0

  private readonly exitListeners = new Set<() => void>()

  constructor(private readonly proc: HostProcess) {
    this.ready = new Promise((ok, fail) => {
      const onReady = (m: HostMessage): void => {
        if (m.type === 'ready') {
          this.listeners.delete(onReady)
          ok(m.backend)
        }
      }
      this.listeners.add(onReady)
      this.exitListeners.add(() => fail(new MlJobError('crashed', `ML process exited before it was ready: ${this.exitReason}`)))
    })
    this.ready.catch(() => undefined)
    proc.onMessage((m: unknown) => {
      if (!isHostMessage(m)) return
      for (const l of [...this.listeners]) l(m)
    })
    proc.onExit((reason) => {
      this.exited = true
      this.exitReason = reason
      for (const l of [...this.exitListeners]) l()
    })
  }

  static fork(entry = defaultHostEntry(), env: NodeJS.ProcessEnv = process.env): MlHost {
    return new MlHost(nodeHostProcess(entry, env))
  }

  get alive(): boolean {
    return !this.exited
  }

  get pid(): number | undefined {
    return this.proc.pid
  }

  /** Runs one job to its end; rejects with MlJobError (cancelled, nan-loss, crashed, ...). */
  async run(spec: JobSpec, cb: JobCallbacks = {}): Promise<JobResult> {
    await this.ready
    const jobId = `job-${++this.seq}`
    return new Promise<JobResult>((ok, fail) => {
      const onAbort = (): void => {
        if (!this.exited) this.proc.send({ type: 'cancel', jobId })
      }
      const cleanup = (): void => {
        this.listeners.delete(listener)
        this.exitListeners.delete(onExit)
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
      if (this.exited) {
        onExit()
        return
      }
      this.listeners.add(listener)
      this.exitListeners.add(onExit)
      if (cb.signal?.aborted) onAbort()
      cb.signal?.addEventListener('abort', onAbort)
      this.proc.send({ type: 'start', jobId, spec })
    })
  }

  /** Asks the host to finish and exit; kills it if it has not within 10 s. */
  async close(): Promise<void> {
    if (this.exited) return
    const exited = new Promise<void>((ok) => this.exitListeners.add(ok))
    this.proc.send({ type: 'shutdown' })
    const timer = setTimeout(() => this.proc.kill(), 10_000)
    await exited
    clearTimeout(timer)
  }

  kill(): void {
    this.proc.kill()
  }
}
