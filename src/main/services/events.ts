import type { EventName, Events } from '../../shared/contract'

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void

/** Fans main-process events out to every transport (Electron windows, the web transport, the CLI). */
export class EventHub {
  private listeners = new Set<EventListener>()

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) {
      try {
        l(event, payload)
      } catch {
        // A broken listener (a closed window) must not stop the others.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
