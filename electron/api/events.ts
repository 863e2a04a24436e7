/** Fan-out of main-process events to whoever listens (IPC windows, server-sent-event streams). */
import type { EventChannel, EventChannels, EventMessage } from './contract.js';

export type EventListener = (msg: EventMessage) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventChannel>(name: E, payload: EventChannels[E]): void {
    const msg = { name, payload } as EventMessage;
    for (const l of this.listeners) {
      try {
        l(msg);
      } catch {
        // A closed window or stream must not stop the others.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
