import { StudioError } from '../../shared/contract'
import type { OpenOptions } from '../db/connection'
import { EventHub } from '../services/events'
import { Jobs } from '../services/jobs'
import { Workspace } from '../services/workspace'

/** What the app has open: at most one workspace, its jobs and the event hub. */
export class Session {
  readonly events = new EventHub()
  readonly jobs = new Jobs(this.events)
  private ws: Workspace | null = null

  constructor(readonly openOptions: OpenOptions = {}) {}

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
    this.events.emit('workspace.changed', { what: 'workspace' })
    return next
  }

  async create(dir: string, name?: string): Promise<Workspace> {
    const next = Workspace.create(dir, { ...this.openOptions, ...(name ? { name } : {}) })
    await this.close()
    this.ws = next
    this.events.emit('workspace.changed', { what: 'workspace' })
    return next
  }

  async close(): Promise<boolean> {
    if (!this.ws) return false
    await this.jobs.cancelAll()
    this.ws.close()
    this.ws = null
    return true
  }
}
