/** Long jobs (import, export): their progress arrives as events; this cancels one. */
import { z } from 'zod'

export const jobsArgs = {
  'jobs.cancel': z.object({ jobId: z.string().min(1).max(100) }).strict()
} as const

export interface JobsResults {
  'jobs.cancel': { cancelled: boolean }
}
