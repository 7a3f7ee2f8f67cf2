import { contextBridge, ipcRenderer } from 'electron'
// Only the dependency-free parts of the contract: a sandboxed preload can load no npm module.
import { buildApi } from '../shared/contract/api'
import type { EventName } from '../shared/contract/channels'
import { bridgeError, type Envelope } from '../shared/contract/errors'

// Must match src/main/ipc/electronIpc.ts; preload and main share no modules but shared.
const IPC_PREFIX = 'studio:'
const IPC_EVENT = 'studio:event'

const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
ipcRenderer.on(IPC_EVENT, (_e, name: EventName, payload: unknown) => {
  for (const l of listeners.get(name) ?? []) l(payload)
})

const api = buildApi(
  async (channel, args) => {
    const envelope = (await ipcRenderer.invoke(IPC_PREFIX + channel, args)) as Envelope<unknown>
    // contextBridge drops custom error fields, so the code travels in the message.
    if (!envelope.ok) throw bridgeError(envelope.error)
    return envelope.value
  },
  (event, listener) => {
    const set = listeners.get(event) ?? new Set()
    set.add(listener)
    listeners.set(event, set)
    return () => set.delete(listener)
  }
)

contextBridge.exposeInMainWorld('api', api)
