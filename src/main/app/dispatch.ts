import {
  StudioError,
  isChannel,
  parseArgs,
  type Channel,
  type ContractError,
  type Envelope,
  type Handlers
} from '../../shared/contract'

/**
 * Validates and runs one call. Every transport goes through here, so a
 * malformed call gets the same typed error everywhere and nothing throws
 * past it.
 */
export async function dispatch(handlers: Handlers, channel: unknown, args: unknown): Promise<Envelope<unknown>> {
  if (!isChannel(channel)) {
    return { ok: false, error: { code: 'invalid_argument', message: `Unknown channel ${JSON.stringify(channel)}` } }
  }
  const parsed = parseArgs(channel, args)
  if (!parsed.ok) return parsed
  try {
    const handler = handlers[channel] as (a: unknown) => Promise<unknown>
    return { ok: true, value: await handler(parsed.value) }
  } catch (err) {
    return { ok: false, error: toContractError(channel, err) }
  }
}

export function toContractError(channel: Channel, err: unknown): ContractError {
  if (err instanceof StudioError) return { code: err.code, message: err.message }
  const message = err instanceof Error ? err.message : String(err)
  return { code: 'internal', message: `${channel} failed: ${message}` }
}
