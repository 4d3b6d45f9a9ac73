import type { CallName, CallOutput, CallResult, EventName } from './contract';
import type { GreetingFrame, RequestFrame } from './host-protocol';
import type { LibraryChanges } from './library-changes';
import { packNumbers, unpackNumbers } from './packed-numbers';

/**
 * The part of the browser host's protocol (see host-protocol.ts) that the page needs to connect and talk: addresses,
 * framing, request ids. It loads no zod and builds no schema: the project list is the first screen, and building the
 * contract's schemas before the page could connect was most of its script start-up. The host checks every request
 * it receives against the contract; the page reads the host's answers as they are framed here.
 */

/** The WebSocket endpoint; the token travels as `?token=`, the only way a browser WebSocket can carry it. */
export const apiSocketPath = '/api';
export const tokenParam = 'token';
/** HTTP requests other than the WebSocket carry the token in this header, so it stays out of URLs and logs. */
export const tokenHeader = 'x-stillframe-token';

/**
 * The largest WebSocket message either side accepts. Every call the annotator makes in normal work fits many
 * times over (a paste of 500 polygons of 1,000 points is about 8 MB); a bigger one is refused on the page with
 * a typed error before it is sent, and one sent anyway closes only that connection (close code 1009).
 */
export const maxMessageBytes = 64 * 1024 * 1024;

export interface ResponseFrame {
  /** Null answers a message so malformed that it had no usable id. */
  id: number | null;
  result: CallResult<unknown>;
}

export interface EventFrame {
  event: EventName;
  payload: unknown;
}

export type ServerFrame = ResponseFrame | EventFrame | GreetingFrame;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The calls whose answers carry many shapes' points: the host sends those with their number arrays packed as binary
 * (see packed-numbers.ts), the rest as JSON text.
 */
export const packedAnswerCalls: ReadonlySet<CallName> = new Set<CallName>(['shapes.list', 'shapes.delete', 'shapes.restore', 'shapes.paste', 'shapes.copyFromFrame']);

/** An answer as the host sends it: a binary message for a call in `packedAnswerCalls` with enough numbers, else text. */
export function encodeResponse(call: string, frame: ResponseFrame): string | Uint8Array {
  return (packedAnswerCalls.has(call as CallName) ? packNumbers(frame) : null) ?? JSON.stringify(frame);
}

/**
 * A message from the host (text, or binary with packed numbers) as an answer or an event, or null for anything
 * else. An event this page does not know has no listener here, so it is dropped where it is delivered.
 */
export function readServerFrame(data: string | ArrayBuffer): ServerFrame | null {
  let frame: unknown;
  if (typeof data === 'string') {
    try {
      frame = JSON.parse(data);
    } catch {
      return null;
    }
  } else {
    frame = unpackNumbers(data);
  }
  if (!isObject(frame)) return null;
  if ('result' in frame) {
    const { id } = frame;
    if (!(id === null || Number.isSafeInteger(id))) return null;
    return isCallResult(frame.result) ? (frame as unknown as ResponseFrame) : null;
  }
  if ('greeting' in frame) {
    const { greeting } = frame;
    return isObject(greeting) && Object.keys(greeting).length === 1 && isLibraryChanges(greeting.libraryChanges) && Object.keys(frame).length === 1
      ? (frame as unknown as GreetingFrame)
      : null;
  }
  return typeof frame.event === 'string' ? (frame as unknown as EventFrame) : null;
}

/** A count of library changes as `libraryChangesSchema` has it (host-protocol.test.ts holds the two to one rule). */
function isLibraryChanges(value: unknown): value is LibraryChanges {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Whether `result` is framed as a call's answer: a value, or an error with its code and message. */
function isCallResult(result: unknown): result is CallResult<unknown> {
  if (!isObject(result)) return false;
  // A call that answers nothing has no `value` once sent as JSON.
  if (result.ok === true) return true;
  const error = result.error;
  return result.ok === false && isObject(error) && typeof error.code === 'string' && typeof error.message === 'string';
}

/**
 * Calls the page keeps while the host cannot be reached and sends again once it can: the annotator's edits. Each
 * sets shapes to a state the call carries in full, with ids the page chose, or (`shapes.move`) carries an id by
 * which the host tells which shapes it has already moved, so one that reached the host just before the connection
 * dropped and is sent again changes nothing more: replaying a suffix of the calls already applied, in order, leaves
 * the same state. A paste or a copy makes new ids on the host and is not among them.
 */
export const resendableCalls: ReadonlySet<CallName> = new Set<CallName>(['shapes.save', 'shapes.restore', 'shapes.delete', 'shapes.move']);

/** What a call that cannot be kept answers while the host is unreachable. */
export const notConnected: CallResult<never> = {
  ok: false,
  error: {
    code: 'network',
    message: 'Not connected to the Stillframe host. Start `stillframe serve` again: this page reconnects by itself.',
  },
};

/** Library files (frames, thumbnails) by library-relative path, each segment percent-encoded; the token as `?token=`. */
export const mediaPathPrefix = '/media/';

export function hostMediaUrl(libraryRelativePath: string, token: string): string {
  return `${mediaPathPrefix}${libraryRelativePath.split('/').map(encodeURIComponent).join('/')}?${tokenParam}=${token}`;
}

/** POST the file's bytes as the body; the answer is `uploadAnswerSchema` (host-protocol.ts). */
export const uploadPath = '/upload';
export const uploadNameParam = 'name';

export function uploadUrl(fileName: string): string {
  return `${uploadPath}?${uploadNameParam}=${encodeURIComponent(fileName)}`;
}

/** Many thumbnails in one answer (see thumbnail-bundle.ts): POST a `ThumbnailBundleRequest` here. */
export const thumbnailBundlePath = '/thumbnails';

export interface ThumbnailBundle {
  /** In the order asked; null for a file the host could not serve. */
  urls: (string | null)[];
}

/** The host's answer at `thumbnailBundlePath`, or null if it is not one: each URL a data: URL of an image, or null. */
export function readThumbnailBundle(value: unknown): ThumbnailBundle | null {
  if (!isObject(value) || !Array.isArray(value.urls)) return null;
  const urls: unknown[] = value.urls;
  return urls.every((url) => url === null || (typeof url === 'string' && url.startsWith('data:image/'))) ? { urls: urls as (string | null)[] } : null;
}

/**
 * What the project list, the first screen, shows: POST here with the token and the host answers with what
 * `projects.list` answers, from the same handler. The page asks as soon as it knows its token, beside opening its
 * WebSocket, so the list does not wait for the socket, the outbox and the token check before its call can even leave.
 * The HTML itself cannot carry it: its request has no token (the token is in the address's fragment), and the host
 * gives nothing of the library to a request without one.
 */
export const firstScreenPath = '/first-screen';

export interface FirstScreen {
  projects: CallResult<CallOutput<'projects.list'>>;
  /** The host's count of library changes when it read `projects`. */
  libraryChanges: LibraryChanges;
}

/** The host's answer at `firstScreenPath`, or null if it is not one. */
export function readFirstScreen(value: unknown): FirstScreen | null {
  return isObject(value) && isCallResult(value.projects) && isLibraryChanges(value.libraryChanges) ? (value as unknown as FirstScreen) : null;
}

/** Where the browser host serves a prepared download (see `DownloadRequest`). */
export const downloadPathPrefix = '/downloads/';
export const downloadPath = (downloadId: string) => `${downloadPathPrefix}${encodeURIComponent(downloadId)}`;

/**
 * Whether `value` as JSON is surely longer than `limit`, counting each value's shortest possible form (a number
 * is at least one character, a comma apart): a call far over the limit is refused in a fraction of the time it
 * would take to build its text, which for the contract's largest call (10,000 shapes of 20,000 points) is
 * longer than a JavaScript string can be.
 */
function jsonLengthExceeds(value: unknown, limit: number): boolean {
  let length = 0;
  const visit = (item: unknown): boolean => {
    if (Array.isArray(item)) {
      length += 1 + item.length;
      // A shape's points: counted by their number, not one by one (5,000 polygons are 200,000 numbers). An array that
      // starts with a number and holds more than numbers is counted short, so it is left to the exact check below.
      if (typeof item[0] === 'number') length += item.length;
      else for (const element of item) if (visit(element)) return true;
    } else if (typeof item === 'string') {
      length += 2 + item.length;
    } else if (typeof item === 'object' && item !== null) {
      length += 1;
      for (const [key, element] of Object.entries(item)) {
        // JSON.stringify leaves these keys out.
        if (element === undefined || typeof element === 'function') continue;
        length += key.length + 4;
        if (visit(element)) return true;
      }
    } else {
      length += 1;
    }
    return length > limit;
  };
  return visit(value);
}

/**
 * A request as the text to send, or the typed error the call answers with when it is too large to send: such a
 * call would otherwise close the connection and, replayed on reconnect, close it again.
 */
export function encodeRequest(frame: RequestFrame): { text: string } | { error: CallResult<never> } {
  const tooLarge: CallResult<never> = {
    ok: false,
    error: {
      code: 'invalid-input',
      message: 'This change is too large to send to the Stillframe host in one go. Make it in smaller parts.',
    },
  };
  if (jsonLengthExceeds(frame, maxMessageBytes)) return { error: tooLarge };
  let text: string;
  try {
    text = JSON.stringify(frame);
  } catch {
    // A string longer than the engine allows (hundreds of megabytes) cannot even be built.
    return { error: tooLarge };
  }
  if (text.length > maxMessageBytes) return { error: tooLarge };
  // UTF-8 takes at most three bytes per UTF-16 unit; count exactly only when that bound is over the limit.
  if (text.length * 3 > maxMessageBytes && new TextEncoder().encode(text).length > maxMessageBytes) return { error: tooLarge };
  return { text };
}

/**
 * The request `encodeRequest` gave as `text`, under another id, without encoding its input again: a kept edit of
 * 5,000 shapes is encoded once, when it is made, and only renumbered each time it is sent. The id is an integer,
 * so the first comma ends it.
 */
export function renumberRequest(text: string, id: number): string {
  return `{"id":${id},${text.slice(text.indexOf(',') + 1)}`;
}

/**
 * Which library the host serves, asked before the page connects and whenever it cannot: `library` names it without
 * giving its token away (a digest of the token), so a page keeps one token per library, and `accepted` says whether
 * the token sent in `tokenHeader` is that library's. Several libraries served one after another on one port share
 * the page's origin, and with it its storage.
 */
export const libraryInfoPath = '/library-info';
export interface LibraryInfo {
  library: string;
  accepted: boolean;
}

/** The host's answer at `libraryInfoPath`, or null if it is not one. */
export function readLibraryInfo(value: unknown): LibraryInfo | null {
  return isObject(value) && typeof value.library === 'string' && typeof value.accepted === 'boolean'
    ? { library: value.library, accepted: value.accepted }
    : null;
}
