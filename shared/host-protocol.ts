import { z } from 'zod';
import { eventNames, resultSchema, type CallName, type CallResult, type EventName } from './contract';

/**
 * How the browser host (`stillframe serve`) and its page talk: the WebSocket frames that carry the contract's
 * calls and events, and the upload route. Both sides build and check their messages with these, so the wire has
 * one definition.
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

export const requestFrameSchema = z
  .object({
    /** Chosen by the page; the answer carries it back. */
    id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    call: z.string().max(200),
    input: z.unknown(),
  })
  .strict();
export type RequestFrame = z.infer<typeof requestFrameSchema>;

export const responseFrameSchema = z.object({
  /** Null answers a message so malformed that it had no usable id. */
  id: z.number().int().nullable(),
  result: resultSchema,
});
export type ResponseFrame = { id: number | null; result: CallResult<unknown> };

export const eventFrameSchema = z.object({
  event: z.enum(eventNames as [EventName, ...EventName[]]),
  payload: z.unknown(),
});
export type EventFrame = z.infer<typeof eventFrameSchema>;

export const serverFrameSchema = z.union([responseFrameSchema, eventFrameSchema]);

/**
 * Calls the page keeps while the host cannot be reached and sends again once it can: the annotator's edits. Each
 * sets shapes to a state the call carries in full, with ids the page chose, so one that reached the host just
 * before the connection dropped and is sent again changes nothing more: replaying a suffix of the calls already
 * applied, in order, leaves the same state. A paste or a copy makes new ids on the host and is not among them.
 */
export const resendableCalls: ReadonlySet<CallName> = new Set<CallName>(['shapes.save', 'shapes.restore', 'shapes.delete']);

/** What a call that cannot be kept answers while the host is unreachable. */
export const notConnected: CallResult<never> = {
  ok: false,
  error: {
    code: 'network',
    message: 'Not connected to the Stillframe host. Start `stillframe serve` again: this page reconnects by itself.',
  },
};

/** Close code the host uses when a page breaks the protocol in a way ws does not already name (RFC 6455 §7.4.1). */
export const policyViolationCode = 1008;

/** Library files (frames, thumbnails) by library-relative path, each segment percent-encoded; the token as `?token=`. */
export const mediaPathPrefix = '/media/';

export function hostMediaUrl(libraryRelativePath: string, token: string): string {
  return `${mediaPathPrefix}${libraryRelativePath.split('/').map(encodeURIComponent).join('/')}?${tokenParam}=${token}`;
}

/** POST the file's bytes as the body; the answer is `uploadAnswerSchema`. */
export const uploadPath = '/upload';
export const uploadNameParam = 'name';
export const uploadAnswerSchema = z.object({ path: z.string() });
export type UploadAnswer = z.infer<typeof uploadAnswerSchema>;

export function uploadUrl(fileName: string): string {
  return `${uploadPath}?${uploadNameParam}=${encodeURIComponent(fileName)}`;
}

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
      for (const element of item) if (visit(element)) return true;
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
export const libraryInfoSchema = z.object({ library: z.string(), accepted: z.boolean() });
export type LibraryInfo = z.infer<typeof libraryInfoSchema>;
