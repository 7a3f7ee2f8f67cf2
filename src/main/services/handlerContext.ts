import type { FolderPurpose } from '../security/folderPolicy'
import type { EventHub } from './events'
import type { Jobs } from './jobs'
import type { MlService } from './training/mlService'
import type { Workspace } from './workspace'

/**
 * What a namespace's handlers get from the app: the open workspace and its
 * ML service (each a typed no_workspace error when none is open), the event
 * hub, background jobs, and who is editing. Built once per handler map.
 */
export interface HandlerContext {
  ws(): Workspace
  ml(): MlService
  events: EventHub
  jobs: Jobs
  /** Recorded on every label revision and verdict. */
  author: string
  /** Which folders the caller may name; throws a forbidden StudioError otherwise. */
  checkFolder(dir: string, purpose: FolderPurpose): string
}
