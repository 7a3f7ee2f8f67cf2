import type { NamespaceHandlers } from '../../../shared/contract'
import type { HandlerContext } from '../handlerContext'
import { assertExportable, previewExport, runExport } from './runExport'

export function exportHandlers({ ws, jobs, checkFolder }: HandlerContext): NamespaceHandlers<'export'> {
  const checkOut = (out: string): string => checkFolder(out, 'export to')
  return {
    'export.preview': async (opts) => previewExport(ws(), { ...opts, out: checkOut(opts.out) }),
    'export.start': async (opts) => {
      const workspace = ws()
      const args = { ...opts, out: checkOut(opts.out) }
      // A refused folder or option fails the call itself, before any job starts.
      assertExportable(workspace, args)
      const jobId = jobs.start('export', (ctx) =>
        runExport(workspace, args, { signal: ctx.signal, onProgress: (p) => ctx.progress(p.done, p.total, p.message) })
      )
      return { jobId }
    }
  }
}
