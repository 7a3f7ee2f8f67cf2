/** The one door to the main process. Components call `api()`; nothing else touches window.api. */
import { errorCode, errorMessage } from '../../shared/contract/errors'
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

/**
 * Turns whatever a call rejected with into something a person can read.
 * The web transport sets error.code; Electron's contextBridge keeps only the
 * message, where the preload put the code in front ("[not_found] ...").
 */
export function describeError(error: unknown): ErrorView {
  const code = errorCode(error)
  const message = errorMessage(error) || 'Something went wrong'
  return { code: code === 'unknown' ? 'error' : code, message }
}
