/**
 * The one contract between the UI and the main process, composed from one
 * module per namespace (./namespaces): channel -> argument schema -> result,
 * plus the events main pushes. The same map is bound to Electron IPC in the
 * app and to a loopback HTTP transport for tests and `npm run dev:web`, so
 * every transport validates the same way.
 *
 * A new channel: its schema and result type in its namespace module, and its
 * name in ./channels (kept schema-free for the sandboxed preload). The checks
 * at the bottom fail the build when the three disagree.
 */
import type { z } from 'zod'
import type { Channel, EventName } from './channels'
import type { ContractError } from './errors'
import type { RunEpoch, RunProgress, RunStateChange } from './training'
import type { JobProgress, JobState } from './types'
import { appArgs, type AppResults } from './namespaces/app'
import { classesArgs, type ClassesResults } from './namespaces/classes'
import { exportArgs, type ExportResults } from './namespaces/export'
import { imagesArgs, type ImagesResults } from './namespaces/images'
import { importArgs, type ImportResults } from './namespaces/import'
import { jobsArgs, type JobsResults } from './namespaces/jobs'
import { labelsArgs, type LabelsResults } from './namespaces/labels'
import { mlArgs, type MlResults } from './namespaces/ml'
import { predictionsArgs, type PredictionsResults } from './namespaces/predictions'
import { retrainArgs, type RetrainResults } from './namespaces/retrain'
import { reviewArgs, type ReviewResults } from './namespaces/review'
import { runsArgs, type RunsResults } from './namespaces/runs'
import { settingsArgs, type SettingsResults } from './namespaces/settings'
import { workspaceArgs, type WorkspaceResults } from './namespaces/workspace'

/** Argument schema of every channel. Keys are the channel names. */
export const argSchemas = {
  ...appArgs,
  ...workspaceArgs,
  ...classesArgs,
  ...imagesArgs,
  ...importArgs,
  ...exportArgs,
  ...jobsArgs,
  ...labelsArgs,
  ...mlArgs,
  ...runsArgs,
  ...retrainArgs,
  ...settingsArgs,
  ...predictionsArgs,
  ...reviewArgs
} as const satisfies Record<Channel, z.ZodType>

export type ArgsOf<C extends Channel> = z.input<(typeof argSchemas)[C]>

/** What each channel resolves to. */
export interface Results
  extends AppResults,
    WorkspaceResults,
    ClassesResults,
    ImagesResults,
    ImportResults,
    ExportResults,
    JobsResults,
    LabelsResults,
    MlResults,
    RunsResults,
    RetrainResults,
    SettingsResults,
    PredictionsResults,
    ReviewResults {}

// Compile-time check that the channel list, the schemas and the results agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never
export const channelsMatch: Same<Channel, keyof Results> & Same<Channel, keyof typeof argSchemas> = true

export type Handlers = { [C in Channel]: (args: ArgsOf<C>) => Promise<Results[C]> }

/** The handlers of one namespace (the part of a channel's name before the dot). */
export type NamespaceHandlers<N extends string> = Pick<Handlers, Extract<Channel, `${N}.${string}`>>

/** Events pushed from main to every window. */
export interface Events {
  'job.progress': JobProgress
  'job.state': JobState
  'workspace.changed': { what: 'workspace' | 'images' | 'labels' | 'classes' | 'runs' | 'predictions' }
  'run.progress': RunProgress
  'run.epoch': RunEpoch
  'run.state': RunStateChange
}
// Compile-time check that the event list and the payload map agree.
export const eventsMatch: Same<EventName, keyof Events> = true

/** Validates a call's arguments; the one place every transport goes through. */
export function parseArgs<C extends Channel>(
  channel: C,
  args: unknown
): { ok: true; value: ArgsOf<C> } | { ok: false; error: ContractError } {
  const result = argSchemas[channel].safeParse(args === undefined ? {} : args)
  if (result.success) return { ok: true, value: result.data as ArgsOf<C> }
  return {
    ok: false,
    error: {
      code: 'invalid_argument',
      message: `${channel}: ${result.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}`,
      issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    }
  }
}
