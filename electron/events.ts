import type { EventName, EventPayload } from '../shared/contract';
import type { LibraryChanges } from '../shared/library-changes';

type Handler<E extends EventName> = (payload: EventPayload<E>) => void;

/** The services' one event stream; each host forwards it to its renderers unchanged. */
export class EventBus {
  private readonly handlers = new Map<EventName, Set<Handler<EventName>>>();
  private changes: LibraryChanges = 0;

  /**
   * How many `library.changed` this bus has announced. A read taken with this number is out of date once the number
   * moves on: a page compares the number its first screen was read at with the number once it listens, and reads
   * again only if they differ (see StillframeBridge.libraryChanges).
   */
  get libraryChanges(): LibraryChanges {
    return this.changes;
  }

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
    // Counted before the handlers run: a read one of them makes, with the number, already includes this change.
    if (event === 'library.changed') this.changes += 1;
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        console.error(`An event handler for ${event} failed`, error);
      }
    }
  }
}
