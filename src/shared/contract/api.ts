/** window.api: built from the channel list, typed from the handler map. No runtime dependencies. */
import { CHANNELS, EVENT_NAMES, type Channel, type EventName } from './channels'
import type { ArgsOf, Events, Results } from './map'

type Split2<S extends string> = S extends `${infer A}.${infer B}` ? [A, B] : never
type Namespaces = Split2<Channel>[0]

/** One method per channel, grouped by the part before the dot, plus `on` for events. */
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
    if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`unknown event ${String(event)}`)
    return subscribe(event, listener)
  }
  return api as StudioApi
}
