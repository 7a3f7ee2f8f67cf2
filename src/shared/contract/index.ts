/**
 * The contract between the UI and the main process: one handler map
 * (channel -> args -> result) and one event map. The same map is bound to
 * Electron IPC in the app and to a loopback HTTP transport for tests and
 * `npm run dev:web`. Argument schemas live here so every transport validates
 * the same way.
 */
import { z } from 'zod'
import { CLASS_KINDS, IMAGE_STATUSES, LABEL_SOURCES, SPLITS, UNASSIGNED_VIEW, VIEWS } from '../domain'
import { classNameProblem } from '../classNames'
import { LABEL_LIMITS } from '../limits'
import type { Channel, EventName } from './channels'
import { EXPORT_FORMATS } from './types'
import type {
  BackendStatus,
  FramePredictions,
  RetrainStatus,
  RunComparison,
  RunDetail,
  RunEpoch,
  RunProgress,
  RunStateChange,
  RunSummary,
  TrainingSettings
} from './training'
import { TRAINING_INPUTS, TRAINING_LOSSES } from './training'
import type { ContractError } from './errors'
import {
  REVIEW_VERDICTS,
  type ReviewActionResult,
  type ReviewMaps,
  type ReviewMetrics,
  type ReviewModel,
  type ReviewQueue,
  type ReviewReport,
  type ReviewVerdict
} from './review'
import type { AcceptPreview, AcceptResult } from './accept'
import type {
  AppInfo,
  ClassDef,
  ExportPreview,
  ImageDetail,
  ImagePage,
  ImageStats,
  ImportPreview,
  JobProgress,
  JobState,
  FrameImage,
  Label,
  LabelRevision,
  Thumbnail,
  WorkspaceInfo
} from './types'

export * from './types'
export * from './channels'
export * from './errors'
export * from './api'
export * from './training'
export * from './review'
export * from './accept'

const view = z.enum([...VIEWS, UNASSIGNED_VIEW])
const split = z.enum(SPLITS)
const status = z.enum(IMAGE_STATUSES)
const id = z.number().int().positive()
const dir = z.string().min(1).max(4096)

export const imageFilterSchema = z
  .object({
    views: z.array(view).max(8).optional(),
    statuses: z.array(status).max(8).optional(),
    classIds: z.array(id).max(256).optional(),
    splits: z.array(split).max(3).optional(),
    search: z.string().max(512).optional()
  })
  .strict()

const none = z.object({}).strict()

const reviewFilterSchema = z
  .object({
    views: z.array(view).max(8).optional(),
    splits: z.array(split).max(3).optional(),
    statuses: z.array(status).max(8).optional(),
    classIds: z.array(id).max(256).optional(),
    verdicts: z.array(z.enum([...REVIEW_VERDICTS, 'none'])).max(4).optional()
  })
  .strict()
/** Per-class thresholds by class name. */
const thresholdsSchema = z.record(z.string().min(1).max(64), z.number().min(0).max(1)).refine((t) => Object.keys(t).length <= 256, 'at most 256 classes')
const reviewScope = { modelId: id.optional(), thresholds: thresholdsSchema.optional(), filter: reviewFilterSchema.optional() }

/**
 * Which predicted pieces: of one class or every defect class; of those, the
 * listed indices or the one under a frame point, else all of them.
 */
const acceptScope = {
  imageId: id,
  modelId: id.optional(),
  thresholds: thresholdsSchema.optional(),
  classId: id.optional(),
  pieces: z.array(z.number().int().min(0)).min(1).max(1000).optional(),
  at: z.object({ x: z.number(), y: z.number() }).strict().optional()
}
/** A polygon a caller holds (the editor's unsaved labels), for what counts as already labelled. */
const labelShape = z.object({ classId: id, points: z.array(z.number()).min(6).max(2 * LABEL_LIMITS.pointsPerPolygon) }).strict()

const importArgs = z
  .object({
    folder: dir,
    masks: z.union([dir, z.array(dir).min(1).max(8)]).optional(),
    labelme: z.boolean().optional(),
    split: split.optional(),
    view: view.optional(),
    maskClasses: z.array(z.string().min(1).max(64)).max(255).optional(),
    normal: z.boolean().optional(),
    coco: dir.optional(),
    mvtec: z.boolean().optional(),
    classMap: z
      .array(z.object({ from: z.string().min(1).max(200), to: z.string().max(64) }).strict())
      .max(1000)
      .optional(),
    createClasses: z.boolean().optional(),
    traceTolerance: z.number().min(0).max(8).optional(),
    groupPattern: z.string().max(500).optional()
  })
  .strict()

const exportArgs = z
  .object({
    format: z.enum(EXPORT_FORMATS),
    out: dir,
    filter: imageFilterSchema.optional(),
    copyImages: z.boolean().optional(),
    overwrite: z.boolean().optional()
  })
  .strict()

function wholeNumber(min: number, max: number) {
  const range = `a whole number from ${min} to ${max}`
  return z.number({ error: range }).int(range).min(min, range).max(max, range)
}

const LR_RANGE = 'a learning rate between 0 and 1, like 0.002'
const BUDGET_RANGE = 'minutes from 0 to 1440 (0: fixed step counts)'
const SSIM_RANGE = 'a weight from 0 to 100'
const MARGIN_RANGE = 'an absolute margin from 0 to 1 (0.02 is two points of MIoU or AP)'

/**
 * Every training setting with its range; the messages name what is allowed
 * because the form and the CLI show them as they are. Rules between fields
 * (size against depth) are trainingSettingsProblems in ./training.
 */
export const trainingSettingsSchema = z
  .object({
    preset: z.enum(['cpu', 'gpu'], { error: 'cpu or gpu' }),
    input: z.enum(TRAINING_INPUTS, { error: 'tiles or letterbox' }),
    size: wholeNumber(16, 1024).refine((v) => v % 16 === 0, 'a multiple of 16'),
    maxShortSide: wholeNumber(64, 8192),
    reconBase: wholeNumber(2, 256),
    discBase: wholeNumber(2, 256),
    reconDepth: wholeNumber(1, 6),
    discDepth: wholeNumber(1, 6),
    budgetMinutes: z.number({ error: BUDGET_RANGE }).min(0, BUDGET_RANGE).max(1440, BUDGET_RANGE),
    steps1: wholeNumber(1, 1_000_000),
    steps2: wholeNumber(1, 1_000_000),
    evalRounds: wholeNumber(1, 1000),
    epochs1: wholeNumber(1, 1000),
    epochs2: wholeNumber(1, 1000),
    batchSize: wholeNumber(1, 64),
    lr: z.number({ error: LR_RANGE }).gt(0, LR_RANGE).lt(1, LR_RANGE),
    loss: z.enum(TRAINING_LOSSES, { error: 'focal-dice, bce-dice or focal-batch' }),
    ssimWeight: z.number({ error: SSIM_RANGE }).min(0, SSIM_RANGE).max(100, SSIM_RANGE),
    rotate90: z.boolean({ error: 'true or false' }),
    autoPromote: z.boolean({ error: 'true or false' }),
    regressionMargin: z.number({ error: MARGIN_RANGE }).min(0, MARGIN_RANGE).max(1, MARGIN_RANGE)
  })
  .strict() satisfies z.ZodType<TrainingSettings>

/** Argument schema of every channel. Keys are the channel names. */
export const argSchemas = {
  'app.info': none,
  'workspace.create': z.object({ dir, name: z.string().min(1).max(200).optional() }).strict(),
  'workspace.open': z.object({ dir }).strict(),
  'workspace.close': none,
  'dialog.pickFolder': z.object({ title: z.string().max(200).optional() }).strict(),
  'classes.list': none,
  'classes.save': z
    .object({
      id: id.optional(),
      name: z.string().superRefine((name, ctx) => {
        const problem = classNameProblem(name)
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
      }),
      color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #aabbcc'),
      kind: z.enum(CLASS_KINDS)
    })
    .strict(),
  'images.query': z
    .object({
      filter: imageFilterSchema,
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(1000)
    })
    .strict(),
  'images.ids': z.object({ filter: imageFilterSchema }).strict(),
  'images.get': z.object({ id }).strict(),
  'images.thumbnails': z.object({ ids: z.array(id).max(500) }).strict(),
  'images.stats': z.object({ filter: imageFilterSchema.optional() }).strict(),
  'images.setStatus': z.object({ ids: z.array(id).min(1).max(50_000), status }).strict(),
  'import.preview': importArgs,
  'import.start': importArgs,
  'export.preview': exportArgs,
  'export.start': exportArgs,
  'jobs.cancel': z.object({ jobId: z.string().min(1).max(100) }).strict(),
  'images.frame': z.object({ id }).strict(),
  'labels.list': z.object({ imageId: id }).strict(),
  'labels.save': z
    .object({
      imageId: id,
      labels: z
        .array(
          z
            .object({
              id: id.optional(),
              classId: id,
              // Finite numbers only: zod's number() refuses NaN and Infinity.
              points: z
                .array(z.number())
                .min(6)
                .max(2 * LABEL_LIMITS.pointsPerPolygon)
                .refine((p) => p.length % 2 === 0, 'an even number of coordinates'),
              source: z.enum(LABEL_SOURCES).optional()
            })
            .strict()
        )
        .max(LABEL_LIMITS.labelsPerFrame),
      // The frame's status after the save, when the editor decides it (undo of a paste onto a normal frame).
      status: status.optional()
    })
    .strict(),
  'labels.history': z.object({ imageId: id }).strict(),
  'ml.backend': none,
  'runs.list': none,
  'runs.get': z.object({ runId: id }).strict(),
  'runs.train': z.object({ arch: z.enum(['arcd', 'unet']).optional() }).strict(),
  'runs.cancel': z.object({ runId: id }).strict(),
  'runs.resume': z.object({ runId: id }).strict(),
  'runs.compare': z.object({ a: id, b: id }).strict(),
  'runs.promote': z.object({ runId: id }).strict(),
  'runs.decline': z.object({ runId: id }).strict(),
  'retrain.status': none,
  'retrain.start': z.object({ rerunStage1: z.boolean().optional() }).strict(),
  'settings.getTraining': none,
  'settings.setTraining': trainingSettingsSchema.partial().strict(),
  'predictions.get': z.object({ imageId: id }).strict(),
  'predictions.previewAccept': z.object({ ...acceptScope, labels: z.array(labelShape).max(5000).optional() }).strict(),
  'predictions.acceptAsLabels': z.object(acceptScope).strict(),
  'review.models': none,
  'review.queue': z.object(reviewScope).strict(),
  'review.maps': z.object({ modelId: id, imageId: id }).strict(),
  'review.metrics': z.object(reviewScope).strict(),
  'review.infer': z.object({ modelId: id.optional(), filter: reviewFilterSchema.optional(), all: z.boolean().optional() }).strict(),
  'review.setThresholds': z.object({ modelId: id, thresholds: thresholdsSchema, note: z.string().max(500).optional() }).strict(),
  'review.verdict': z
    .object({
      imageId: id,
      modelId: id.optional(),
      verdict: z.enum(REVIEW_VERDICTS),
      classId: id.optional(),
      note: z.string().max(2000).optional(),
      thresholds: thresholdsSchema.optional()
    })
    .strict(),
  'review.undoVerdict': z.object({ verdictIds: z.array(id).min(1).max(256) }).strict(),
  'review.pendingVerdicts': z.object({ imageId: id }).strict(),
  'review.resolveVerdict': z.object({ verdictId: id, action: z.enum(['confirm', 'dismiss']) }).strict(),
  'review.report': z.object({ ...reviewScope, worst: z.number().int().min(1).max(50).optional() }).strict()
} as const satisfies Record<Channel, z.ZodType>

export type ArgsOf<C extends Channel> = z.input<(typeof argSchemas)[C]>

/** What each channel resolves to. */
export interface Results {
  'app.info': AppInfo
  'workspace.create': WorkspaceInfo
  'workspace.open': WorkspaceInfo
  'workspace.close': { closed: boolean }
  'dialog.pickFolder': string | null
  'classes.list': ClassDef[]
  'classes.save': ClassDef
  'images.query': ImagePage
  'images.ids': number[]
  'images.get': ImageDetail
  'images.thumbnails': Thumbnail[]
  'images.stats': ImageStats
  'images.setStatus': { changed: number }
  'import.preview': ImportPreview
  'import.start': { jobId: string }
  'export.preview': ExportPreview
  'export.start': { jobId: string }
  'jobs.cancel': { cancelled: boolean }
  'images.frame': FrameImage
  'labels.list': Label[]
  'labels.save': Label[]
  'labels.history': LabelRevision[]
  'ml.backend': BackendStatus
  'runs.list': RunSummary[]
  'runs.get': RunDetail
  'runs.train': { runId: number }
  'runs.cancel': { cancelled: boolean }
  'runs.resume': { runId: number }
  'runs.compare': RunComparison
  'runs.promote': { modelId: number }
  'runs.decline': { declined: boolean }
  'retrain.status': RetrainStatus
  'retrain.start': { runId: number }
  'settings.getTraining': TrainingSettings
  'settings.setTraining': TrainingSettings
  'predictions.get': FramePredictions | null
  'predictions.previewAccept': AcceptPreview
  'predictions.acceptAsLabels': AcceptResult
  'review.models': ReviewModel[]
  'review.queue': ReviewQueue
  'review.maps': ReviewMaps
  'review.metrics': ReviewMetrics
  'review.infer': { runId: number | null; frames: number }
  'review.setThresholds': { modelId: number; revision: number; thresholds: Record<string, number> }
  'review.verdict': ReviewActionResult
  'review.undoVerdict': ReviewActionResult
  'review.pendingVerdicts': ReviewVerdict[]
  'review.resolveVerdict': ReviewActionResult
  'review.report': ReviewReport
}

// Compile-time check that the channel list, the schemas and the results agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never
export const channelsMatch: Same<Channel, keyof Results> & Same<Channel, keyof typeof argSchemas> = true

export type Handlers = { [C in Channel]: (args: ArgsOf<C>) => Promise<Results[C]> }

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

