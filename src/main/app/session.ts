import { StudioError } from '../../shared/contract'
import type { OpenOptions } from '../db/connection'
import { EventHub } from '../services/events'
import { Jobs } from '../services/jobs'
import { MlHost } from '../services/training/mlHost'
import { MlService } from '../services/training/mlService'
import { Workspace } from '../services/workspace'

/** What the app has open: at most one workspace, its jobs and the event hub. */
export class Session {
  readonly events = new EventHub()
  readonly jobs = new Jobs(this.events)
  private ws: Workspace | null = null
  private mlService: MlService | null = null

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
    if (!this.ws) throw new StudioError('no_workspace', 'No workspace is open. Create or open one first.')
    return this.ws
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

  async close(): Promise<boolean> {
    if (!this.ws) return false
    await this.jobs.cancelAll()
    await this.mlService?.close()
    this.mlService = null
    this.ws.close()
    this.ws = null
    return true
  }
}
