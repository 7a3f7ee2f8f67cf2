import { userInfo } from 'node:os'
import { join } from 'node:path'
import type { Handlers } from '../../shared/contract'
import { listClasses, saveClass } from '../services/classes'
import { getImage, imageIds, imageStats, queryImages, setStatus, thumbnails } from '../services/images'
import { importFolder } from '../services/import/runImport'
import { frameImage } from '../services/imaging/frames'
import { labelHistory, listLabels, saveFrameLabels } from '../services/labels'
import type { Session } from './session'

export interface HandlerDeps {
  session: Session
  shell: 'electron' | 'web'
  version: string
  /** Who edits: recorded on every label revision. */
  author?: string
  /** A native folder picker; absent where there is none (the web transport, the CLI). */
  pickFolder?: (title: string) => Promise<string | null>
}

/**
 * The one handler map behind every transport. Arguments arrive already
 * validated against the contract's schemas.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { session } = deps
  const ws = () => session.requireWorkspace()
  const author = deps.author ?? osUser()
  return {
    'app.info': async () => ({ version: deps.version, shell: deps.shell, workspace: session.workspace?.info() ?? null }),
    'workspace.create': async ({ dir, name }) => (await session.create(dir, name)).info(),
    'workspace.open': async ({ dir }) => (await session.open(dir)).info(),
    'workspace.close': async () => ({ closed: await session.close() }),
    'dialog.pickFolder': async ({ title }) => (deps.pickFolder ? deps.pickFolder(title ?? 'Choose a folder') : null),
    'classes.list': async () => listClasses(ws()),
    'classes.save': async (input) => {
      const cls = saveClass(ws(), input)
      session.events.emit('workspace.changed', { what: 'classes' })
      return cls
    },
    'images.query': async ({ filter, offset, limit }) => queryImages(ws(), filter, offset, limit),
    'images.ids': async ({ filter }) => imageIds(ws(), filter),
    'images.get': async ({ id }) => getImage(ws(), id),
    'images.thumbnails': async ({ ids }) => thumbnails(ws(), ids),
    'images.stats': async ({ filter }) => imageStats(ws(), filter ?? {}),
    'images.setStatus': async ({ ids, status }) => {
      const changed = setStatus(ws(), ids, status)
      session.events.emit('workspace.changed', { what: 'images' })
      return { changed }
    },
    'import.start': async (opts) => {
      const workspace = ws()
      const jobId = session.jobs.start('import', async (ctx) => {
        const summary = await importFolder(workspace, opts, {
          signal: ctx.signal,
          onProgress: (p) => ctx.progress(p.done, p.total, p.message)
        })
        session.events.emit('workspace.changed', { what: 'images' })
        return summary
      })
      return { jobId }
    },
    'jobs.cancel': async ({ jobId }) => ({ cancelled: session.jobs.cancel(jobId) }),
    'images.frame': async ({ id }) => {
      const w = ws()
      const detail = getImage(w, id)
      return frameImage(id, detail.absPath, detail.hash, join(w.paths.cache, 'frames'))
    },
    'labels.list': async ({ imageId }) => listLabels(ws(), imageId),
    'labels.save': async ({ imageId, labels }) => {
      const saved = saveFrameLabels(ws(), imageId, labels, author)
      session.events.emit('workspace.changed', { what: 'labels' })
      return saved
    },
    'labels.history': async ({ imageId }) => labelHistory(ws(), imageId)
  }
}

function osUser(): string {
  try {
    return userInfo().username || 'inspector'
  } catch {
    return 'inspector'
  }
}
