import type { CallName } from '../../../shared/contract';

/** A call the page made and the host has not yet answered, kept so it survives a lost connection and a reload. */
export interface OutboxEntry {
  /** Increasing in the order the calls were made; replay follows it. */
  key: number;
  call: CallName;
  /**
   * The request as sent (`encodeRequest`'s text), kept as text: IndexedDB copies one string at once, where copying
   * 5,000 shapes as objects held up the page for tens of milliseconds after each large edit.
   */
  text: string;
}

export interface Outbox {
  entries(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): void;
  remove(key: number): void;
}

const storeName = 'calls';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Kept in memory only, where the browser refuses IndexedDB (a private window in some browsers). */
function memoryOutbox(): Outbox {
  const kept = new Map<number, OutboxEntry>();
  return {
    entries: async () => [...kept.values()],
    put: (entry) => void kept.set(entry.key, entry),
    remove: (key) => void kept.delete(key),
  };
}

/** Pages before the text was kept stored the call's input; such an entry is sent as that input's request. */
type StoredEntry = OutboxEntry | { key: number; call: CallName; input: unknown };

function asText(entry: StoredEntry): OutboxEntry {
  if ('text' in entry) return entry;
  return { key: entry.key, call: entry.call, text: JSON.stringify({ id: 0, call: entry.call, input: entry.input }) };
}

/** The page's outbox in IndexedDB, one database per library (named by the caller). */
export async function openOutbox(name: string): Promise<Outbox> {
  let db: IDBDatabase;
  try {
    const opening = indexedDB.open(name, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(storeName, { keyPath: 'key' });
    db = await request(opening);
  } catch (error) {
    console.warn('Edits made while the host is unreachable are kept in memory only: IndexedDB is not available.', error);
    return memoryOutbox();
  }
  const store = (mode: IDBTransactionMode) => db.transaction(storeName, mode).objectStore(storeName);
  const report = (error: unknown) => console.warn('The page could not update its list of unsent edits.', error);
  return {
    entries: async () => ((await request(store('readonly').getAll())) as StoredEntry[]).map(asText).sort((a, b) => a.key - b.key),
    put: (entry) => void request(store('readwrite').put(entry)).catch(report),
    remove: (key) => void request(store('readwrite').delete(key)).catch(report),
  };
}
