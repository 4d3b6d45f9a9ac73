import { open } from 'node:fs/promises';
import path from 'node:path';
import { StillframeError } from '../../../shared/errors';

/**
 * Reads a JSON file whose top level is an object without holding the file, or its whole parse, in memory: each
 * member is parsed on its own, and the members named in `streamed` (arrays: a Stillframe file's frames, a COCO
 * file's images and annotations) element by element, each handed to `onElement` and then let go. Memory is that of
 * the largest element, not of the file. Bytes are scanned, not characters: JSON's structure is all ASCII, and no
 * byte of a multi-byte UTF-8 character is below 0x80, so none is taken for a quote or a bracket.
 */
export interface JsonStreamHandlers {
  /** Members read whole, by name. */
  onMember(key: string, value: unknown): void;
  /** A streamed member's array begins (it may have no elements). */
  onArray?(key: string): void;
  /** An element of a streamed array, with its position in it. */
  onElement(key: string, value: unknown, index: number): void;
}

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const comma = 0x2c;
const colon = 0x3a;

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** Where the scanner is in the top-level object. */
type Place = 'start' | 'key' | 'colon' | 'value' | 'after' | 'end';

export async function readJsonStream(file: string, streamed: ReadonlySet<string>, handlers: JsonStreamHandlers, signal?: AbortSignal): Promise<void> {
  const name = path.basename(file);
  const invalid = (why: string) => new StillframeError('invalid-input', `“${name}” is not valid JSON: ${why}.`);
  let place: Place = 'start';
  let key = '';
  /** Inside the array of a streamed member. */
  let inArray = false;
  let elementIndex = 0;
  /** Depth of brackets inside the value (or element) being read; 0 between values. */
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** The bytes of the key, value or element being read, across chunks. */
  let pieces: Buffer[] = [];
  let capturing = false;
  let captureFrom = 0;

  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw invalid((error as Error).message);
    }
  };
  const finish = (chunk: Buffer, end: number): string => {
    pieces.push(chunk.subarray(captureFrom, end));
    const text = Buffer.concat(pieces).toString('utf8');
    pieces = [];
    capturing = false;
    return text;
  };
  const startCapture = (at: number) => {
    capturing = true;
    captureFrom = at;
  };
  /** A value (or element) ended at `end` (exclusive). */
  const valueDone = (chunk: Buffer, end: number) => {
    const value = parse(finish(chunk, end));
    if (inArray) handlers.onElement(key, value, elementIndex++);
    else {
      handlers.onMember(key, value);
      place = 'after';
    }
  };

  // One buffer, read into again and again: a read stream's new megabyte per chunk stayed allocated until V8 next
  // collected, and a 24 MB Stillframe file had most of its chunks alive at once.
  const buffer = Buffer.allocUnsafe(1 << 20);
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(file, 'r');
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      captureFrom = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i] as number;
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === backslash) escaped = true;
          else if (byte === quote) {
            inString = false;
            if (place === 'key') {
              key = String(parse(finish(chunk, i + 1)));
              place = 'colon';
            } else if (depth === 0) valueDone(chunk, i + 1);
          }
          continue;
        }
        if (depth > 0) {
          if (byte === quote) inString = true;
          else if (byte === openBrace || byte === openBracket) depth++;
          else if (byte === closeBrace || byte === closeBracket) {
            depth--;
            if (depth === 0) valueDone(chunk, i + 1);
          }
          continue;
        }
        // Between values, or inside a bare number or literal.
        if (capturing && place === 'value' && (isSpace(byte) || byte === comma || byte === closeBrace || byte === closeBracket)) {
          valueDone(chunk, i);
        }
        if (isSpace(byte)) continue;
        if (place === 'start') {
          if (byte !== openBrace) throw invalid('it does not hold an object');
          place = 'key';
          continue;
        }
        if (place === 'end') throw invalid('something follows the end of its object');
        if (inArray) {
          if (byte === closeBracket) {
            inArray = false;
            place = 'after';
          } else if (byte !== comma) {
            startCapture(i);
            if (byte === quote) inString = true;
            else if (byte === openBrace || byte === openBracket) depth = 1;
          }
          continue;
        }
        switch (place) {
          case 'key':
            if (byte === closeBrace) place = 'end';
            else if (byte === quote) {
              startCapture(i);
              inString = true;
            } else throw invalid('a member name is missing its quotes');
            break;
          case 'colon':
            if (byte !== colon) throw invalid(`“${key}” is not followed by a colon`);
            place = 'value';
            break;
          case 'value':
            if (capturing) break;
            if (streamed.has(key) && byte === openBracket) {
              inArray = true;
              elementIndex = 0;
              handlers.onArray?.(key);
              break;
            }
            startCapture(i);
            if (byte === quote) inString = true;
            else if (byte === openBrace || byte === openBracket) depth = 1;
            break;
          case 'after':
            if (byte === comma) place = 'key';
            else if (byte === closeBrace) place = 'end';
            else throw invalid(`something other than a comma follows “${key}”`);
            break;
        }
      }
      // Copied: the buffer is read into again.
      if (capturing) pieces.push(Buffer.from(chunk.subarray(captureFrom)));
    }
  } catch (error) {
    if (error instanceof StillframeError) throw error;
    if (signal?.aborted) throw signal.reason;
    throw new StillframeError('file-missing', `“${file}” could not be read: ${(error as Error).message}`);
  } finally {
    await handle?.close();
  }
  if (place !== 'end') throw invalid('it ends before its object does');
}
