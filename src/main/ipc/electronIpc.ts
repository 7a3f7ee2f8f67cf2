import type { IpcMain, WebContents, WebFrameMain } from 'electron'
import { CHANNELS, type Handlers } from '../../shared/contract'
import { dispatch } from '../app/dispatch'
import type { EventHub } from '../services/events'

export const IPC_PREFIX = 'studio:'
export const IPC_EVENT = 'studio:event'

/**
 * Binds the handler map to ipcMain. Calls from any frame other than our own
 * top-level renderer are refused before their arguments are even read.
 */
export function bindIpc(
  ipcMain: IpcMain,
  handlers: Handlers,
  isTrustedFrame: (frame: WebFrameMain | null) => boolean
): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(IPC_PREFIX + channel, async (event, args: unknown) => {
      if (!isTrustedFrame(event.senderFrame)) {
        return { ok: false, error: { code: 'forbidden', message: `${channel}: call from an untrusted frame refused` } }
      }
      return dispatch(handlers, channel, args)
    })
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(IPC_PREFIX + channel)
  }
}

export function forwardEvents(events: EventHub, target: () => WebContents | null): () => void {
  return events.subscribe((event, payload) => {
    const wc = target()
    if (wc && !wc.isDestroyed()) wc.send(IPC_EVENT, event, payload)
  })
}
