import type { EventName, EventPayload } from '../shared/contract';

type Handler<E extends EventName> = (payload: EventPayload<E>) => void;

/** The services' one event stream; each host forwards it to its renderers unchanged. */
export class EventBus {
  private readonly handlers = new Map<EventName, Set<Handler<EventName>>>();

  on<E extends EventName>(event: E, handler: Handler<E>): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as Handler<EventName>);
    return () => set.delete(handler as Handler<EventName>);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        console.error(`An event handler for ${event} failed`, error);
      }
    }
  }
}
