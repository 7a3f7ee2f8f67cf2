import { userInfo } from 'node:os'
import { join } from 'node:path'
import { StudioError, type Handlers, type ImportOptions, type StartNotice } from '../../shared/contract'
import { listClasses, saveClass } from '../services/classes'
import { getImage, imageIds, imageStats, queryImages, setStatus, thumbnails } from '../services/images'
import { importFolder } from '../services/import/runImport'
import { assertExportable, previewExport, runExport } from '../services/export/runExport'
import { previewImport } from '../services/formats/preview'
import { frameImage } from '../services/imaging/frames'
import { labelHistory, listLabels, saveFrameLabels } from '../services/labels'
import { readPredictions } from '../services/training/predictions'
import { acceptAsLabels, previewAccept } from '../services/predictions/accept'
import { getRun, listRuns } from '../services/training/runsRead'
import { getTrainingSettings, setTrainingSettings } from '../services/training/trainingSettings'
import { reviewServiceFor } from '../services/review'
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
  /** Which folders the caller may name; default: any (web transport, CLI, tests). */
  folders?: FolderPolicy
  /** The start folder when it held no workspace (the start screen offers Create); read at each call. */
  startNotice?: () => StartNotice | null
}

/**
 * The one handler map behind every transport. Arguments arrive already
 * validated against the contract's schemas.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { session } = deps
  const ws = () => session.requireWorkspace()
  const author = deps.author ?? osUser()
  const folders = deps.folders ?? allowAllFolders()
  const review = () => reviewServiceFor(session.requireWorkspace(), session.events)
  const checkImportFolders = (opts: ImportOptions): void => {
    folders.check(opts.folder, 'import from')
    for (const m of opts.masks === undefined ? [] : Array.isArray(opts.masks) ? opts.masks : [opts.masks]) folders.check(m, 'read masks from')
    if (opts.coco) folders.check(opts.coco, 'import from')
  }
  // The folder policy has no export purpose yet; its check is the same, only the wording differs.
  const checkExportFolder = (out: string): string => {
    try {
      return folders.check(out, 'create a workspace in')
    } catch (err) {
      if (err instanceof StudioError && err.code === 'forbidden') {
        throw new StudioError('forbidden', `Not allowed to export to ${out}: choose the folder with the Browse button first.`)
      }
      throw err
    }
  }
  return {
    'app.info': async () => ({
      version: deps.version,
      shell: deps.shell,
      workspace: session.workspace?.info() ?? null,
      startNotice: session.workspace ? null : (deps.startNotice?.() ?? null)
    }),
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
    'import.preview': async (opts) => {
      checkImportFolders(opts)
      return previewImport(ws(), opts)
    },
    'import.start': async (opts) => {
      const workspace = ws()
      checkImportFolders(opts)
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
    'export.preview': async (opts) => previewExport(ws(), { ...opts, out: checkExportFolder(opts.out) }),
    'export.start': async (opts) => {
      const workspace = ws()
      const args = { ...opts, out: checkExportFolder(opts.out) }
      // A refused folder or option fails the call itself, before any job starts.
      assertExportable(workspace, args)
      const jobId = session.jobs.start('export', (ctx) =>
        runExport(workspace, args, { signal: ctx.signal, onProgress: (p) => ctx.progress(p.done, p.total, p.message) })
      )
      return { jobId }
    },
    'jobs.cancel': async ({ jobId }) => ({ cancelled: session.jobs.cancel(jobId) }),
    'images.frame': async ({ id }) => {
      const w = ws()
      const detail = getImage(w, id)
      return frameImage(id, detail.absPath, detail.hash, join(w.paths.cache, 'frames'))
    },
    'labels.list': async ({ imageId }) => listLabels(ws(), imageId),
    'labels.save': async ({ imageId, labels, status }) => {
      const saved = saveFrameLabels(ws(), imageId, labels, author, status ? { status } : {})
      session.events.emit('workspace.changed', { what: 'labels' })
      return saved
    },
    'labels.history': async ({ imageId }) => labelHistory(ws(), imageId),
    'ml.backend': async () => session.requireMl().backendStatus(),
    'runs.list': async () => listRuns(ws()),
    'runs.get': async ({ runId }) => getRun(ws(), runId),
    'runs.train': async ({ arch }) => ({ runId: session.requireMl().train(arch ? { arch } : {}) }),
    'runs.cancel': async ({ runId }) => ({ cancelled: session.requireMl().cancel(runId) }),
    'runs.resume': async ({ runId }) => ({ runId: session.requireMl().resume(runId) }),
    'runs.compare': async ({ a, b }) => session.requireMl().compare(a, b),
    'runs.promote': async ({ runId }) => ({ modelId: session.requireMl().promote(runId) }),
    'runs.decline': async ({ runId }) => ({ declined: session.requireMl().decline(runId) }),
    'retrain.status': async () => session.requireMl().retrainStatus(),
    'retrain.start': async ({ rerunStage1 }) => ({ runId: session.requireMl().retrain(rerunStage1 ? { rerunStage1 } : {}) }),
    'settings.getTraining': async () => getTrainingSettings(ws()),
    'settings.setTraining': async (patch) => setTrainingSettings(ws(), patch),
    'predictions.get': async ({ imageId }) => readPredictions(ws(), imageId),
    'predictions.previewAccept': async (args) => previewAccept(ws(), args),
    'predictions.acceptAsLabels': async (args) => {
      const r = await acceptAsLabels(ws(), args, author)
      if (r.labelIds.length > 0) session.events.emit('workspace.changed', { what: 'labels' })
      return r
    },
    'review.models': async () => review().models(),
    'review.queue': async (scope) => review().queue(scope),
    'review.maps': async ({ modelId, imageId }) => review().maps(modelId, imageId),
    'review.metrics': async (scope) => review().metrics(scope),
    'review.infer': async (args) => review().infer(session.requireMl(), args),
    'review.setThresholds': async ({ modelId, thresholds, note }) => review().setThresholds(modelId, thresholds, author, note),
    'review.verdict': async (args) => review().verdict(args, author),
    'review.undoVerdict': async ({ verdictIds }) => review().undoVerdict(verdictIds, author),
    'review.pendingVerdicts': async ({ imageId }) => review().pendingVerdicts(imageId),
    'review.resolveVerdict': async ({ verdictId, action }) => review().resolveVerdict(verdictId, action, author),
    'review.report': async (scope) => review().report(scope)
  }
}

function osUser(): string {
  try {
    return userInfo().username || 'inspector'
  } catch {
    return 'inspector'
  }
}
