import { StudioError } from '../../shared/contract'
import type { OpenOptions } from '../db/connection'
import { EventHub } from '../services/events'
import { Jobs } from '../services/jobs'
import { MlHost } from '../services/training/mlHost'
import { MlService } from '../services/training/mlService'
import { Workspace } from '../services/workspace'

/** How long a close waits for calls already running; past it the database closes under them. */
const DRAIN_LIMIT_MS = 15_000

/** What the app has open: at most one workspace, its jobs and the event hub. */
export class Session {
  readonly events = new EventHub()
  readonly jobs = new Jobs(this.events)
  private ws: Workspace | null = null
  private mlService: MlService | null = null
  /** Calls that hold the open workspace; a close waits for them before closing the database. */
  private inFlight = 0
  private idle: (() => void)[] = []
  private closing: Promise<boolean> | null = null

  /**
   * makeHost starts the ML process: a Node child by default (CLI, tests,
   * dev:web); the Electron app passes one that uses utilityProcess.
   */
  constructor(
    readonly openOptions: OpenOptions = {},
    private readonly makeHost: () => MlHost = () => MlHost.fork()
  ) {}

  /** Training and inference for the open workspace, started on first use. */
  requireMl(): MlService {
    const ws = this.requireWorkspace()
    this.mlService ??= new MlService(ws, this.events, this.makeHost)
    return this.mlService
  }

  get workspace(): Workspace | null {
    return this.ws
  }

  /** The open workspace, or a typed error the UI can act on. */
  requireWorkspace(): Workspace {
    if (this.closing !== null) throw new StudioError('no_workspace', 'The workspace is closing.')
    if (!this.ws) throw new StudioError('no_workspace', 'No workspace is open. Create or open one first.')
    return this.ws
  }

  /**
   * Runs one call that uses the open workspace. A close that starts meanwhile
   * lets it finish instead of closing the database under it (a thumbnail
   * request still reading when the user clicks Close would otherwise fail).
   */
  async hold<T>(call: () => Promise<T>): Promise<T> {
    this.inFlight++
    try {
      return await call()
    } finally {
      if (--this.inFlight === 0) for (const wake of this.idle.splice(0)) wake()
    }
  }

  private async drained(): Promise<void> {
    if (this.inFlight === 0) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      new Promise<void>((res) => this.idle.push(res)),
      new Promise<void>((res) => (timer = setTimeout(res, DRAIN_LIMIT_MS)))
    ])
    clearTimeout(timer)
  }

  async open(dir: string): Promise<Workspace> {
    const next = Workspace.open(dir, this.openOptions)
    await this.close()
    this.ws = next
    // Created now (no process starts yet) so runs a crash left 'running' are marked failed at once.
    this.mlService = new MlService(next, this.events, this.makeHost)
    this.events.emit('workspace.changed', { what: 'workspace' })
    return next
  }

  async create(dir: string, name?: string): Promise<Workspace> {
    const next = Workspace.create(dir, { ...this.openOptions, ...(name ? { name } : {}) })
    await this.close()
    this.ws = next
    this.mlService = new MlService(next, this.events, this.makeHost)
    this.events.emit('workspace.changed', { what: 'workspace' })
    return next
  }

  /** Closes the open workspace; a second call while one runs waits for the same close. */
  close(): Promise<boolean> {
    if (this.closing) return this.closing
    const ws = this.ws
    if (!ws) return Promise.resolve(false)
    // From here new calls get no_workspace; the ones running finish on an open database.
    this.closing = (async () => {
      try {
        await this.jobs.cancelAll()
        await this.mlService?.close()
        this.mlService = null
        await this.drained()
        ws.close()
        this.ws = null
        return true
      } finally {
        this.closing = null
      }
    })()
    return this.closing
  }
}
