/**
 * The job a dialog starts (an import, an export): starting it, following it
 * through the job store, and asking to cancel it. One place, so the two
 * dialogs show "Starting…", "Cancelling…" and the end of a job alike.
 */
import { useState } from 'react'
import { api } from './api'
import { TERMINAL_STATES, useJobs, type JobView } from './jobs'
import { useToasts } from './toasts'

export interface DialogJob {
  jobId: string | null
  job: JobView | undefined
  starting: boolean
  /** Cancel was pressed (or the job is already cancelling). */
  cancelling: boolean
  finished: boolean
  /** Started and not yet finished, or starting. */
  running: boolean
  start(begin: () => Promise<{ jobId: string }>): Promise<void>
  cancel(): Promise<void>
  /** Back to the options: forget the job. */
  reset(): void
}

export function useDialogJob(): DialogJob {
  const toasts = useToasts()
  const jobs = useJobs()
  const [jobId, setJobId] = useState<string | null>(null)
  const [starting, setStarting] = useState(false)
  const [cancelRequested, setCancelRequested] = useState(false)
  const job = jobId ? jobs.get(jobId) : undefined
  const finished = job !== undefined && TERMINAL_STATES.has(job.state)
  return {
    jobId,
    job,
    starting,
    cancelling: cancelRequested || job?.state === 'cancelling',
    finished,
    running: (jobId !== null && !finished) || starting,
    async start(begin) {
      setStarting(true)
      try {
        const { jobId: id } = await begin()
        setCancelRequested(false)
        setJobId(id)
      } catch (error) {
        toasts.error(error)
      } finally {
        setStarting(false)
      }
    },
    async cancel() {
      if (!jobId) return
      setCancelRequested(true)
      try {
        await api().jobs.cancel({ jobId })
      } catch (error) {
        setCancelRequested(false)
        toasts.error(error)
      }
    },
    reset() {
      setJobId(null)
      setCancelRequested(false)
    }
  }
}
