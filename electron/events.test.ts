import { describe, expect, it } from 'vitest';
import { EventBus } from './events';

describe('the event bus', () => {
  it('counts the library changes it announces, and only those, before their handlers run', () => {
    const events = new EventBus();
    expect(events.libraryChanges).toBe(0);
    const seenByHandler: number[] = [];
    events.on('library.changed', () => seenByHandler.push(events.libraryChanges));
    events.emit('library.changed', { entity: 'project', projectId: null, batchId: null });
    events.emit('queue.stats', { pending: 0, running: 0, failed: 0, dead: 0, done: 0, averageProcessingMs: null, errorRate: null, concurrency: 1 });
    events.emit('library.changed', { entity: 'frame', projectId: null, batchId: null });
    expect(events.libraryChanges).toBe(2);
    expect(seenByHandler).toEqual([1, 2]);
  });
});
