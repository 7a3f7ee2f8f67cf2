/** The one door to the main process. Components call `api()`; nothing else touches window.api. */
import type { ErrorCode, StudioApi } from '../../shared/contract'

export function hasApi(): boolean {
  return typeof window !== 'undefined' && typeof window.api === 'object' && window.api !== null
}

export function api(): StudioApi {
  if (!hasApi()) throw new Error('window.api is missing: the page was opened without the Studio preload or web transport')
  return window.api
}

export interface ErrorView {
  code: ErrorCode | 'error'
  message: string
}

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_argument',
  'not_found',
  'no_workspace',
  'conflict',
  'forbidden',
  'internal'
])

/** Turns whatever a call rejected with into something a person can read. */
export function describeError(error: unknown): ErrorView {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const e = error as { code?: unknown; message?: unknown }
    const code = typeof e.code === 'string' && CODES.has(e.code) ? (e.code as ErrorCode) : 'error'
    const message = typeof e.message === 'string' && e.message.length > 0 ? e.message : 'Something went wrong'
    return { code, message }
  }
  return { code: 'error', message: typeof error === 'string' ? error : 'Something went wrong' }
}
