import { z } from 'zod';
import { libraryChangesSchema } from './library-changes';

export * from './host-wire';

/**
 * How the browser host (`stillframe serve`) and its page talk: the WebSocket frames that carry the contract's
 * calls and events, and the upload route. Both sides build their messages with these, so the wire has one
 * definition. What the page needs to connect is in host-wire.ts, free of zod; this adds the checks the host makes of
 * what it receives.
 */

export const requestFrameSchema = z
  .object({
    /** Chosen by the page; the answer carries it back. */
    id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    call: z.string().max(200),
    input: z.unknown(),
  })
  .strict();
export type RequestFrame = z.infer<typeof requestFrameSchema>;

/**
 * The host's first message on each connection, before any event: its count of library changes then. Every
 * `library.changed` after it reaches the socket, so the page knows the count from then on.
 */
export const greetingFrameSchema = z.object({ greeting: z.object({ libraryChanges: libraryChangesSchema }).strict() }).strict();
export type GreetingFrame = z.infer<typeof greetingFrameSchema>;

/** Close code the host uses when a page breaks the protocol in a way ws does not already name (RFC 6455 §7.4.1). */
export const policyViolationCode = 1008;

export const uploadAnswerSchema = z.object({ path: z.string() });
export type UploadAnswer = z.infer<typeof uploadAnswerSchema>;
