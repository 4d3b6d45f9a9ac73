import type { HostConnection, StillframeBridge, TransferProgress } from '../../../shared/bridge';
import type { CallInput, CallName, CallOutput, CallResult, EventName } from '../../../shared/contract';
import type { LibraryChanges } from '../../../shared/library-changes';
import {
  apiSocketPath,
  downloadPath,
  encodeRequest,
  firstScreenPath,
  hostMediaUrl,
  libraryInfoPath,
  notConnected,
  readFirstScreen,
  readLibraryInfo,
  readServerFrame,
  readThumbnailBundle,
  renumberRequest,
  resendableCalls,
  thumbnailBundlePath,
  tokenHeader,
  tokenParam,
  uploadUrl,
  type FirstScreen,
  type LibraryInfo,
} from '../../../shared/host-wire';
import type { ThumbnailBundleRequest } from '../../../shared/thumbnail-bundle';
import { zipFolder } from '../../../shared/folder-zip';
import { openOutbox, type Outbox, type OutboxEntry } from './outbox';

/** Waits between reconnection attempts: quick at first, as a restart takes a second or two, then every 5 s. */
const firstRetryMs = 250;
const slowestRetryMs = 5_000;

const printedAddress = 'Open the address that `stillframe serve` printed.';
const servesAnotherLibrary =
  'Stillframe at this address now serves another library than this page was opened on. ' +
  `${printedAddress} Edits this page had not sent yet are kept in this browser and sent when that library is served here again.`;

/** This origin's token for each library it was served, under the library's name (see libraryInfoPath). */
const storedTokenName = (library: string) => `stillframe-token:${library}`;
/** Where one token for the whole origin was kept before tokens were kept per library. */
const originTokenName = 'stillframe-token';

async function libraryInfo(token: string | null): Promise<LibraryInfo> {
  const response = await fetch(libraryInfoPath, { cache: 'no-store', headers: token ? { [tokenHeader]: token } : {} });
  const info = response.ok ? readLibraryInfo(await response.json()) : null;
  if (!info) throw new Error(`The Stillframe host did not say which library it serves (${response.status}).`);
  return info;
}

/** The first screen's data (see firstScreenPath), or null if the host did not give it: the call then goes over the socket. */
async function firstScreenOf(token: string): Promise<FirstScreen | null> {
  try {
    const response = await fetch(firstScreenPath, { method: 'POST', cache: 'no-store', headers: { [tokenHeader]: token } });
    return response.ok ? readFirstScreen(await response.json()) : null;
  } catch {
    return null;
  }
}

const unreachable = () => new Error('Could not connect to the Stillframe host. Is `stillframe serve` still running?');

/**
 * The token of the library the host serves now. The address `stillframe serve` prints carries it in its fragment,
 * which browsers never send to a server or put in logs; this origin keeps it per library, so a pasted place link (its
 * fragment is the place, not the token) opened in a new tab connects too, and a library served after another on the
 * same port is never sent the other's token. Only pages of this origin can read them.
 *
 * A token in the address is used at once, and `accepted` settles once the host has said it is its library's: the
 * page connects meanwhile rather than waiting for that answer first.
 */
async function libraryToken(location: Location): Promise<{ token: string; accepted: Promise<void> }> {
  const given = new URLSearchParams(location.hash.slice(1)).get(tokenParam);
  if (given) {
    const accepted = libraryInfo(given).then(
      (served) => {
        if (!served.accepted) throw new Error(`This address is for another library than the one Stillframe serves here now. ${printedAddress}`);
        localStorage.setItem(storedTokenName(served.library), given);
      },
      () => {
        throw unreachable();
      },
    );
    return { token: given, accepted };
  }
  const served = await libraryInfo(null).catch(() => {
    throw unreachable();
  });
  for (const name of [storedTokenName(served.library), originTokenName]) {
    const kept = localStorage.getItem(name);
    if (kept === null || !(await libraryInfo(kept)).accepted) continue;
    localStorage.setItem(storedTokenName(served.library), kept);
    localStorage.removeItem(originTokenName);
    return { token: kept, accepted: Promise.resolve() };
  }
  throw new Error(`This browser has no access token for the library Stillframe serves here. ${printedAddress}`);
}

interface Waiting extends OutboxEntry {
  /** The caller in this page, if the call was made here rather than kept from an earlier visit. */
  settle?: (result: CallResult<unknown>) => void;
}

/**
 * The browser host's side of `window.stillframe`: the same calls and events as Electron's preload, carried over
 * a WebSocket to `stillframe serve`. The host keeps one token per library, so after a restart this page reconnects
 * with it by itself. The annotator's edits (see `resendableCalls`) are kept in IndexedDB until the host answers them, so an
 * edit made while the host is down, or not yet answered when it went, is sent once it is back, even after a reload.
 *
 * It resolves as soon as the token is known, so the app can mount and show the project list (read over HTTP
 * meanwhile) while the socket connects; calls made before the first connection wait for it.
 */
export async function connectWebSocketBridge(
  location: Location,
  /**
   * The page cannot reach its library and stops trying: the host refused its token at the start, or later serves
   * another library (or this one's token changed), or was not there when the page opened. The page says why.
   */
  onFailed: (message: string) => void,
): Promise<StillframeBridge> {
  const { token, accepted } = await libraryToken(location);
  const address = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${apiSocketPath}?${tokenParam}=${token}`;

  // The socket opens while the outbox is read and the host confirms the token: one after the other, they were three
  // waits before the page's first call (the project list). That call's answer is asked for over HTTP meanwhile.
  const firstScreen = firstScreenOf(token);
  /** Binary messages (answers with packed numbers, see host-wire.ts) are read as they arrive, not through a Blob. */
  const connect = () => {
    const attempt = new WebSocket(address);
    attempt.binaryType = 'arraybuffer';
    return attempt;
  };
  const firstAttempt = connect();
  const waiting = new Map<number, Waiting>();
  let nextKey = 1;
  /** Set once the outbox is read, before the first connection; every use of it comes after. */
  let outbox: Outbox | undefined;
  // One outbox per library: the token names it without saying which library it is.
  const outboxRead = openOutbox(`stillframe-outbox-${token.slice(0, 16)}`).then(async (opened) => {
    for (const entry of await opened.entries()) waiting.set(entry.key, entry);
    nextKey = Math.max(0, ...waiting.keys()) + 1;
    outbox = opened;
  });
  // Edits kept from an earlier visit go to the host before any read (see `opened`): the list read before them may
  // count annotated frames without them.
  let firstProjects: Promise<FirstScreen | null> | null = outboxRead.then(
    () => (waiting.size > 0 ? null : firstScreen),
    () => null,
  );
  let connectedOnce = false;
  /** The count of library changes the project list was first read at, when the first screen answered it (see invoke). */
  let listReadAt: Promise<LibraryChanges | null> = Promise.resolve(null);
  /** The host's count of library changes as this page has heard it: its greeting's, and one more for each change since. */
  let heard: LibraryChanges | null = null;
  let greet: (changes: LibraryChanges) => void = () => undefined;
  /** The first connection's greeting: from it on, every change reaches this page. */
  const greeted = new Promise<LibraryChanges>((resolve) => (greet = resolve));

  let socket: WebSocket | null = null;
  let nextId = 1;
  /** Answers awaited; `kept` ones stay in `waiting` when the connection drops and are sent again. */
  const pending = new Map<number, { settle: (result: CallResult<unknown>) => void; kept: boolean }>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const watchers = new Set<(state: HostConnection) => void>();
  const state = (): HostConnection => ({ connected: socket !== null, waiting: waiting.size });
  const notify = () => {
    const now = state();
    for (const watcher of watchers) watcher(now);
  };

  const send = (call: CallName, input: unknown, settle: (result: CallResult<unknown>) => void) => {
    const id = nextId++;
    const encoded = encodeRequest({ id, call, input });
    if ('error' in encoded) return settle(encoded.error);
    if (!socket) return;
    pending.set(id, { settle, kept: false });
    socket.send(encoded.text);
  };

  /** A kept call, encoded when it was made: sent again under a new id. */
  const sendText = (text: string, settle: (result: CallResult<unknown>) => void) => {
    if (!socket) return;
    const id = nextId++;
    pending.set(id, { settle, kept: true });
    socket.send(renumberRequest(text, id));
  };

  const sendKept = (entry: Waiting) =>
    sendText(
      entry.text,
      (result) => {
        // Answered, even with a refusal (a frame deleted meanwhile): sending it again would change nothing.
        waiting.delete(entry.key);
        outbox?.remove(entry.key);
        entry.settle?.(result);
        notify();
      },
    );

  const onMessage = (message: MessageEvent) => {
    const frame = readServerFrame(message.data instanceof ArrayBuffer ? message.data : String(message.data));
    if (!frame) return;
    if ('result' in frame) {
      if (frame.id === null) return;
      pending.get(frame.id)?.settle(frame.result);
      pending.delete(frame.id);
    } else if ('greeting' in frame) {
      heard = frame.greeting.libraryChanges;
      greet(heard);
    } else {
      if (frame.event === 'library.changed') {
        // The list read while connecting may be out of date now.
        firstProjects = null;
        if (heard !== null) heard += 1;
      }
      for (const handler of listeners.get(frame.event) ?? []) handler(frame.payload);
    }
  };
  /**
   * Each socket is listened to from its creation: the host greets it and announces changes to it as soon as it is let
   * in, and the first is let in before the outbox is read and the token confirmed; a change dropped then would leave
   * the first screen stale.
   */
  const listenedTo = (attempt: WebSocket) => {
    attempt.addEventListener('message', onMessage);
    return attempt;
  };
  listenedTo(firstAttempt);

  let retryMs = firstRetryMs;
  const open = (attempt = listenedTo(connect())) =>
    new Promise<void>((resolve, reject) => {
      const opened = () => {
        socket = attempt;
        connectedOnce = true;
        retryMs = firstRetryMs;
        // Kept edits go first, so the reads this page makes next see them.
        for (const entry of [...waiting.values()].sort((a, b) => a.key - b.key)) sendKept(entry);
        notify();
        resolve();
      };
      const closed = () => {
        if (socket !== attempt) return reject(unreachable());
        socket = null;
        for (const { settle, kept } of pending.values()) if (!kept) settle(notConnected);
        pending.clear();
        notify();
        reconnectLater();
      };
      attempt.addEventListener('close', closed);
      // The first attempt was started before the outbox was read, and may be open, or closed, already.
      if (attempt.readyState === WebSocket.OPEN) opened();
      else if (attempt.readyState === WebSocket.CLOSED) closed();
      else attempt.addEventListener('open', opened, { once: true });
    });
  const reconnectLater = () => {
    setTimeout(() => {
      open().catch(async () => {
        // A host that answers but refuses the token serves another library now: waiting would never get back in.
        const info = await libraryInfo(token).catch(() => null);
        if (info && !info.accepted) return onFailed(servesAnotherLibrary);
        retryMs = Math.min(retryMs * 2, slowestRetryMs);
        reconnectLater();
      });
    }, retryMs);
  };
  /** The first connection: calls made before it wait for it; if it fails, the page says why and stops. */
  const ready = Promise.all([outboxRead, accepted]).then(
    () => open(firstAttempt),
    (error: unknown) => {
      firstAttempt.close();
      throw error;
    },
  );
  ready.catch((error: unknown) => onFailed(error instanceof Error ? error.message : String(error)));

  const upload = async (file: File, onProgress?: (progress: TransferProgress) => void) => {
    // The schemas load when first needed, after the first screen (see host-wire.ts).
    const { uploadAnswerSchema } = await import('../../../shared/host-protocol');
    return new Promise<string>((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', uploadUrl(file.name));
      request.setRequestHeader(tokenHeader, token);
      request.upload.onprogress = (event) => onProgress?.({ file: file.name, loadedBytes: event.loaded, totalBytes: event.total });
      request.onload = () => {
        if (request.status === 200) resolve(uploadAnswerSchema.parse(JSON.parse(request.responseText)).path);
        else reject(new Error(request.responseText || `Upload of ${file.name} failed (${request.status}).`));
      };
      request.onerror = () => reject(new Error(`Upload of ${file.name} failed: the host did not answer.`));
      request.send(file);
    });
  };

  const invoke: StillframeBridge['invoke'] = (call, input) =>
    new Promise((resolve) => {
      const settle = resolve as (result: CallResult<unknown>) => void;
      if (!resendableCalls.has(call)) {
        if (!socket) return settle(notConnected);
        return send(call, input, settle);
      }
      // Refused here if too large, rather than kept and sent again at every reconnection.
      const encoded = encodeRequest({ id: 0, call, input });
      if ('error' in encoded) return settle(encoded.error);
      const entry: Waiting = { key: nextKey++, call, text: encoded.text, settle };
      waiting.set(entry.key, entry);
      outbox?.put({ key: entry.key, call, text: encoded.text });
      notify();
      if (socket) sendKept(entry);
    });

  return {
    invoke: <C extends CallName>(call: C, input: CallInput<C>) => {
      // Only when the page's first call is its project list is it answered by the list read while connecting.
      const early = call === 'projects.list' ? firstProjects : null;
      firstProjects = null;
      const connected = () => ready.then(() => invoke(call, input), () => notConnected);
      if (!early) return connected();
      listReadAt = early.then((screen) => screen?.libraryChanges ?? null);
      return early.then((screen) => (screen ? (screen.projects as CallResult<CallOutput<C>>) : connected()));
    },
    libraryChanges: async () => {
      const first = await greeted;
      // Taken now, in the turn this call resumes in: every change the host announces after it reaches the subscribers.
      const listening = heard ?? first;
      // A list read over the socket was read after the first greeting, so at that count or later.
      const read = (await listReadAt) ?? first;
      return { read, listening };
    },
    subscribe: (event, handler) => {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = handler as (payload: unknown) => void;
      set.add(entry);
      return () => set.delete(entry);
    },
    filesToPaths: async (files, onProgress) => {
      const paths: string[] = [];
      for (const file of files) paths.push(await upload(file, onProgress));
      return paths;
    },
    folderToPath: async (folder, onProgress) => upload(await zipFolder(folder), onProgress),
    pickVideoPaths: async () => null,
    mediaUrl: (relative) => hostMediaUrl(relative, token),
    loadThumbnails: async (paths) => {
      const request: ThumbnailBundleRequest = { paths };
      const response = await fetch(thumbnailBundlePath, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [tokenHeader]: token },
        body: JSON.stringify(request),
      });
      const bundle = response.ok ? readThumbnailBundle(await response.json()) : null;
      if (!bundle) throw new Error(`The host did not send the thumbnails (${response.status}).`);
      return bundle.urls;
    },
    watchConnection: (handler) => {
      watchers.add(handler);
      // Before the first connection the page is starting, not disconnected: the first report comes when it is up.
      if (connectedOnce) handler(state());
      return () => watchers.delete(handler);
    },
    exportTarget: { kind: 'download', url: (downloadId) => `${downloadPath(downloadId)}?${tokenParam}=${token}` },
  };
}
