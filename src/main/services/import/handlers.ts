import type { ImportOptions, NamespaceHandlers } from '../../../shared/contract'
import { DEFAULT_PREVIEW_LIMITS } from '../formats/maskPreview'
import { previewImport } from '../formats/preview'
import type { HandlerContext } from '../handlerContext'
import { importFolder } from './runImport'

export function importHandlers({ ws, events, jobs, checkFolder }: HandlerContext): NamespaceHandlers<'import'> {
  let previewing: AbortController | null = null
  const checkFolders = (opts: ImportOptions): void => {
    checkFolder(opts.folder, 'import from')
    for (const m of opts.masks === undefined ? [] : Array.isArray(opts.masks) ? opts.masks : [opts.masks]) checkFolder(m, 'read masks from')
    if (opts.coco) checkFolder(opts.coco, 'import from')
  }
  return {
    'import.preview': async (opts) => {
      checkFolders(opts)
      // The dialog previews as the user types; a walk of a folder typed on the way (/, a home folder) must not run on.
      previewing?.abort()
      const controller = new AbortController()
      previewing = controller
      try {
        return await previewImport(ws(), opts, DEFAULT_PREVIEW_LIMITS, controller.signal)
      } finally {
        if (previewing === controller) previewing = null
      }
    },
    'import.start': async (opts) => {
      const workspace = ws()
      checkFolders(opts)
      const jobId = jobs.start('import', async (ctx) => {
        const summary = await importFolder(workspace, opts, {
          signal: ctx.signal,
          onProgress: (p) => ctx.progress(p.done, p.total, p.message)
        })
        events.emit('workspace.changed', { what: 'images' })
        // Filters, dots and counts list classes: the ones this import created must appear without a reload.
        if (summary.labels.createdClasses.length > 0) events.emit('workspace.changed', { what: 'classes' })
        if (summary.labels.imported > 0) events.emit('workspace.changed', { what: 'labels' })
        return summary
      })
      return { jobId }
    }
  }
}
