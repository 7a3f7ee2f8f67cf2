/**
 * The contract between the UI and the main process: one handler map
 * (channel -> args -> result) and one event map. The same map is bound to
 * Electron IPC in the app and to a loopback HTTP transport for tests and
 * `npm run dev:web`. Argument schemas live here so every transport validates
 * the same way.
 */
import { z } from 'zod'
import { CLASS_KINDS, IMAGE_STATUSES, SPLITS, UNASSIGNED_VIEW, VIEWS } from '../domain'
import type {
  AppInfo,
  ClassDef,
  ImageDetail,
  ImagePage,
  ImageStats,
  JobProgress,
  JobState,
  Label,
  Thumbnail,
  WorkspaceInfo
} from './types'

export * from './types'

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
      name: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_\- ]+$/, 'letters, digits, space, _ and - only'),
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
  'import.start': z
    .object({
      folder: dir,
      masks: dir.optional(),
      labelme: z.boolean().optional(),
      split: split.optional(),
      view: view.optional(),
      maskClasses: z.array(z.string().min(1).max(64)).max(255).optional(),
      normal: z.boolean().optional()
    })
    .strict(),
  'jobs.cancel': z.object({ jobId: z.string().min(1).max(100) }).strict(),
  'labels.list': z.object({ imageId: id }).strict()
} as const

export type Channel = keyof typeof argSchemas
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
  'import.start': { jobId: string }
  'jobs.cancel': { cancelled: boolean }
  'labels.list': Label[]
}

// Compile-time check that schemas and results name the same channels.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never
export const channelsMatch: Same<Channel, keyof Results> = true

export type Handlers = { [C in Channel]: (args: ArgsOf<C>) => Promise<Results[C]> }

export const CHANNELS = Object.keys(argSchemas) as Channel[]

/** Events pushed from main to every window. */
export interface Events {
  'job.progress': JobProgress
  'job.state': JobState
  'workspace.changed': { what: 'workspace' | 'images' | 'labels' | 'classes' }
}
export type EventName = keyof Events
export const EVENT_NAMES: EventName[] = ['job.progress', 'job.state', 'workspace.changed']

export type ErrorCode = 'invalid_argument' | 'not_found' | 'no_workspace' | 'conflict' | 'forbidden' | 'internal'

/** The typed error every transport returns instead of crashing. */
export interface ContractError {
  code: ErrorCode
  message: string
  /** For invalid_argument: where in the arguments and what is wrong. */
  issues?: { path: string; message: string }[]
}

/** Every transport wraps results so errors keep their code across IPC. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ContractError }

/** Thrown by services for a known failure; transports turn it into a ContractError. */
export class StudioError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'StudioError'
  }
}

/** Thrown on the calling side when the other side answered with an error envelope. */
export class ApiError extends Error {
  readonly code: ErrorCode
  readonly issues: ContractError['issues']
  constructor(error: ContractError) {
    super(error.message)
    this.name = 'ApiError'
    this.code = error.code
    this.issues = error.issues
  }
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(argSchemas, value)
}

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

/** window.api: one method per channel, grouped by the part before the dot. */
type Split2<S extends string> = S extends `${infer A}.${infer B}` ? [A, B] : never
type Namespaces = Split2<Channel>[0]
export type StudioApi = {
  [N in Namespaces]: {
    [C in Channel as Split2<C>[0] extends N ? Split2<C>[1] : never]: (args: ArgsOf<C>) => Promise<Results[C]>
  }
} & {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void
}

/**
 * Builds window.api from one generic invoke function, so the preload, the
 * web transport's client and tests expose exactly the contract's methods.
 */
export function buildApi(
  invoke: (channel: Channel, args: unknown) => Promise<unknown>,
  subscribe: (event: EventName, listener: (payload: unknown) => void) => () => void
): StudioApi {
  const api: Record<string, unknown> = {}
  for (const channel of CHANNELS) {
    const [ns, method] = channel.split('.') as [string, string]
    const group = (api[ns] ??= {}) as Record<string, unknown>
    group[method] = (args: unknown) => invoke(channel, args ?? {})
  }
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    if (!EVENT_NAMES.includes(event)) throw new Error(`unknown event ${String(event)}`)
    return subscribe(event, listener)
  }
  return api as StudioApi
}

/** Unwraps an envelope on the calling side. */
export function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.value
  throw new ApiError(envelope.error)
}

const CODE_PREFIX = /^\[([a-z_]+)\] /

/**
 * Electron's contextBridge keeps only an error's message, so the preload puts
 * the code in front of it ("[no_workspace] ..."). These read either form.
 */
export function errorCode(err: unknown): ErrorCode | 'unknown' {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code as ErrorCode
  const m = CODE_PREFIX.exec((err as Error | null)?.message ?? '')
  return m ? (m[1] as ErrorCode) : 'unknown'
}

export function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.replace(CODE_PREFIX, '')
}

export function bridgeError(error: ContractError): Error {
  return new Error(`[${error.code}] ${error.message}`)
}
