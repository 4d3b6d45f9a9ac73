// Free of zod at run time (the schemas are in error-schema.ts): the page reports failures from its first script on,
// before the contract's schemas are built, and the project list's first paint waits for nothing it does not use.
import type { AppErrorData, ErrorCode } from './error-schema';

export type { AppErrorData, ErrorCode };

/**
 * Every failure that reaches a person or a script carries one of these codes, a message written for the person
 * using the app, and optional technical detail (FFmpeg's stderr, a stack) shown one click away.
 */
export const errorCodes = [
  'invalid-input',
  'unknown-call',
  'not-found',
  'conflict',
  'not-a-video',
  'file-too-large',
  'file-missing',
  'file-unreadable',
  'disk-full',
  'ffmpeg-missing',
  'extraction-failed',
  'cancelled',
  'busy',
  'access-denied',
  'password-required',
  'rate-limited',
  'network',
  'unsafe-address',
  'not-downloadable',
  'no-secure-storage',
  'sign-in-required',
  'sync-not-set-up',
  'internal',
] as const;

/**
 * Failures that another attempt in a few seconds cannot fix: a job failing with one of these ends at once (the person
 * can still retry it by hand once they have fixed the cause).
 */
export const permanentErrorCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid-input',
  'not-found',
  'not-a-video',
  'file-too-large',
  'file-missing',
  'file-unreadable',
  'disk-full',
  'ffmpeg-missing',
  'cancelled',
  'access-denied',
  'password-required',
  'unsafe-address',
  'not-downloadable',
]);

export class StillframeError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'StillframeError';
    this.code = code;
    this.detail = detail;
  }

  toData(): AppErrorData {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Turns anything thrown into data a person can read; unexpected errors keep their stack as detail only. */
export function toAppError(error: unknown): AppErrorData {
  if (error instanceof StillframeError) return error.toData();
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: 'internal', message: 'Something went wrong inside Stillframe. The details may help us fix it.', detail };
}
