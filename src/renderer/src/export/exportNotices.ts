/**
 * Exports sent to the background: the dialog is gone, so how they ended is
 * told in a toast (the header's job indicator shows them while they run).
 */
import { useEffect } from 'react'
import type { ExportSummary } from '../../../shared/contract'
import { api } from '../api'
import { useToasts } from '../toasts'

const background = new Set<string>()

export function sendToBackground(jobId: string): void {
  background.add(jobId)
}

/** Mounted once by the workspace view. */
export function useExportNotices(): void {
  const toasts = useToasts()
  useEffect(
    () =>
      api().on('job.state', (job) => {
        if (job.kind !== 'export' || !background.has(job.jobId)) return
        if (job.state === 'failed') {
          background.delete(job.jobId)
          toasts.error(new Error(`Export failed: ${job.error ?? 'unknown error'}`))
        } else if (job.state === 'done' || job.state === 'cancelled') {
          background.delete(job.jobId)
          const s = job.result as Partial<ExportSummary> | undefined
          toasts.info(
            job.state === 'cancelled' || s?.cancelled
              ? `Export cancelled: nothing was written to ${s?.out ?? 'the folder'}`
              : `Export finished: ${s?.frames ?? 0} frames, ${s?.labels ?? 0} labels to ${s?.out ?? 'the folder'}`
          )
        }
      }),
    [toasts]
  )
}
