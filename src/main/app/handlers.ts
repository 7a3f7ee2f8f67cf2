import { statSync } from 'node:fs'
import { userInfo } from 'node:os'
import { resolve } from 'node:path'
import { StudioError, type Handlers, type NamespaceHandlers, type StartNotice } from '../../shared/contract'
import type { OpenPathResult } from '../../shared/contract/namespaces/app'
import { classesHandlers } from '../services/classesHandlers'
import { exportHandlers } from '../services/export/handlers'
import type { HandlerContext } from '../services/handlerContext'
import { imagesHandlers } from '../services/imagesHandlers'
import { importHandlers } from '../services/import/handlers'
import { labelsHandlers } from '../services/labelsHandlers'
import { predictionsHandlers } from '../services/predictions/handlers'
import { reviewHandlers } from '../services/review/handlers'
import { trainingHandlers } from '../services/training/handlers'
import { allowAllFolders, type FolderPolicy } from '../security/folderPolicy'
import type { Session } from './session'

export interface HandlerDeps {
  session: Session
  shell: 'electron' | 'web'
  version: string
  /** Who edits: recorded on every label revision. */
  author?: string
  /** A native folder picker; absent where there is none (the web transport, the CLI). */
  pickFolder?: (title: string) => Promise<string | null>
  /** Shows a folder in the system's file manager ('' or the reason it could not); absent where there is none. */
  openPath?: (dir: string) => Promise<string>
  /** Which folders the caller may name; default: any (web transport, CLI, tests). */
  folders?: FolderPolicy
  /** The start folder when it held no workspace (the start screen offers Create); read at each call. */
  startNotice?: () => StartNotice | null
}

/**
 * The one handler map behind every transport, composed from the handlers
 * that live beside each namespace's services. Arguments arrive already
 * validated against the contract's schemas.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { session } = deps
  const folders = deps.folders ?? allowAllFolders()
  const ctx: HandlerContext = {
    ws: () => session.requireWorkspace(),
    ml: () => session.requireMl(),
    events: session.events,
    jobs: session.jobs,
    author: deps.author ?? osUser(),
    checkFolder: (dir, purpose) => folders.check(dir, purpose)
  }
  return {
    ...sessionHandlers(deps, folders),
    ...heldBy(session, {
      ...classesHandlers(ctx),
      ...imagesHandlers(ctx),
      ...importHandlers(ctx),
      ...exportHandlers(ctx),
      ...labelsHandlers(ctx),
      ...trainingHandlers(ctx),
      ...predictionsHandlers(ctx),
      ...reviewHandlers(ctx)
    })
  }
}

/** Every call into a workspace's services runs under Session.hold, so closing waits for it. */
function heldBy<H extends object>(session: Session, handlers: H): H {
  const out: Record<string, (args: unknown) => Promise<unknown>> = {}
  for (const [channel, handler] of Object.entries(handlers) as [string, (args: unknown) => Promise<unknown>][]) {
    out[channel] = (args) => session.hold(() => handler(args))
  }
  return out as H
}

type SessionHandlers = NamespaceHandlers<'app'> & NamespaceHandlers<'workspace'> & NamespaceHandlers<'dialog'> & NamespaceHandlers<'jobs'>

/** What belongs to the app's session rather than to one workspace's services. */
function sessionHandlers(deps: HandlerDeps, folders: FolderPolicy): SessionHandlers {
  const { session } = deps
  return {
    'app.info': async () => ({
      version: deps.version,
      shell: deps.shell,
      workspace: session.workspace?.info() ?? null,
      startNotice: session.workspace ? null : (deps.startNotice?.() ?? null)
    }),
    'app.openPath': async ({ path }) => openFolder(deps, folders, path),
    'workspace.create': async ({ dir, name }) => {
      const created = await session.create(folders.check(dir, 'create a workspace in'), name)
      // The open workspace's own folder is always fair game (its demo images, a re-open).
      folders.grant(created.dir)
      return created.info()
    },
    'workspace.open': async ({ dir }) => {
      const opened = await session.open(folders.check(dir, 'open a workspace in'))
      folders.grant(opened.dir)
      return opened.info()
    },
    'workspace.close': async () => ({ closed: await session.close() }),
    'dialog.pickFolder': async ({ title }) => {
      const picked = deps.pickFolder ? await deps.pickFolder(title ?? 'Choose a folder') : null
      // Only a folder the user chose in the native dialog widens what the renderer may name.
      if (picked) folders.grant(picked)
      return picked
    },
    'jobs.cancel': async ({ jobId }) => ({ cancelled: session.jobs.cancel(jobId) })
  }
}

/**
 * Only a folder the caller may name, and only a folder: the file manager
 * would run an executable file handed to it.
 */
async function openFolder(deps: HandlerDeps, folders: FolderPolicy, path: string): Promise<OpenPathResult> {
  const dir = resolve(folders.check(path, 'export to'))
  let isDir = false
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    throw new StudioError('not_found', `${dir} does not exist (any more)`)
  }
  if (!isDir) throw new StudioError('invalid_argument', `${dir} is not a folder; only folders can be opened`)
  if (!deps.openPath) return { opened: false, path: dir, message: 'Opening a folder is not available in the browser; copy the path instead.' }
  const problem = await deps.openPath(dir)
  return problem ? { opened: false, path: dir, message: `The file manager could not open it: ${problem}` } : { opened: true, path: dir }
}

function osUser(): string {
  try {
    return userInfo().username || 'inspector'
  } catch {
    return 'inspector'
  }
}
