/** Typed errors that cross every transport. No dependencies, so the preload can load it. */

export type ErrorCode = 'invalid_argument' | 'not_found' | 'no_workspace' | 'conflict' | 'forbidden' | 'internal'

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
