import { describe, expect, it } from 'vitest';
import { calls } from './contract';
import {
  encodeRequest,
  encodeResponse,
  greetingFrameSchema,
  maxMessageBytes,
  readFirstScreen,
  readLibraryInfo,
  readServerFrame,
  readThumbnailBundle,
  renumberRequest,
  requestFrameSchema,
} from './host-protocol';

const frameId = '01890000-0000-7000-8000-000000000001';

/** `count` polygons sharing one array of `points` coordinates, each a few characters long as real ones are. */
function restoreOf(count: number, points: number) {
  const coordinates = Array.from({ length: points }, (_, i) => 1000 + (i % 1000) + 0.25);
  const shapes = Array.from({ length: count }, (_, i) => ({
    id: `01890000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    frameId,
    type: 'polygon' as const,
    points: coordinates,
  }));
  return { shapes };
}

describe('the browser host wire', () => {
  it('reads calls, answers and events, and nothing else', () => {
    expect(requestFrameSchema.safeParse({ id: 1, call: 'projects.list', input: {} }).success).toBe(true);
    for (const bad of [null, 42, 'text', [], {}, { id: -1, call: 'x' }, { id: 1.5, call: 'x' }, { id: 1, call: 7 }, { id: 1, call: 'x', extra: 1 }]) {
      expect(requestFrameSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    const frames = [
      { id: 3, result: { ok: true, value: [] } },
      { id: 4, result: { ok: true } },
      { id: null, result: { ok: false, error: { code: 'invalid-input', message: 'No.' } } },
      { event: 'library.changed', payload: {} },
      { greeting: { libraryChanges: 0 } },
      { greeting: { libraryChanges: 12 } },
    ];
    for (const frame of frames) expect(readServerFrame(JSON.stringify(frame))).toEqual(frame);
    const notFrames = ['{', 'null', '42', '[]', '{}', '{"id":1.5,"result":{"ok":true,"value":1}}', '{"id":"1","result":{"ok":true,"value":1}}',
      '{"id":1,"result":{"ok":false,"error":"No."}}', '{"id":1,"result":{"ok":"yes","value":1}}', '{"event":7,"payload":{}}'];
    for (const text of notFrames) expect(readServerFrame(text), text).toBeNull();
  });

  it('reads a greeting exactly as its schema has it, without zod', () => {
    const greetings = [0, 7, 2 ** 53 - 1, -1, 1.5, '3', null, Number.NaN, 2 ** 53].map((libraryChanges) => ({ greeting: { libraryChanges } }));
    const others = [{ greeting: {} }, { greeting: 3 }, { greeting: { libraryChanges: 1, more: 1 } }, { greeting: { libraryChanges: 1 }, event: 'x' }];
    for (const frame of [...greetings, ...others]) {
      const text = JSON.stringify(frame);
      expect(readServerFrame(text) !== null, text).toBe(greetingFrameSchema.safeParse(JSON.parse(text)).success);
    }
  });

  it('sends the answers that carry shapes with their points as binary doubles once they are many, the rest as text', () => {
    const shapes = (count: number) => restoreOf(count, 40).shapes.map((shape, i) => ({ ...shape, points: shape.points.map((x) => x / 3 + i) }));
    const many = { id: 1, result: { ok: true as const, value: shapes(100) } };
    const sent = encodeResponse('shapes.list', many);
    expect(sent).toBeInstanceOf(Uint8Array);
    expect(readServerFrame((sent as Uint8Array).slice().buffer)).toEqual(many);
    for (const [call, frame] of [['shapes.list', { id: 2, result: { ok: true, value: shapes(2) } }], ['frames.list', many]] as const) {
      const text = encodeResponse(call, frame);
      expect(typeof text, call).toBe('string');
      expect(readServerFrame(text as string)).toEqual(frame);
    }
    expect(readServerFrame(new ArrayBuffer(16))).toBeNull();
  });

  it('reads which library the host serves, and nothing else', () => {
    expect(readLibraryInfo({ library: 'a1b2', accepted: false })).toEqual({ library: 'a1b2', accepted: false });
    for (const bad of [null, 'a1b2', { library: 'a1b2' }, { library: 1, accepted: true }, { library: 'a1b2', accepted: 'yes' }]) {
      expect(readLibraryInfo(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('reads the first screen as a call answer, and nothing else', () => {
    const answered = { projects: { ok: true, value: [] }, libraryChanges: 0 };
    expect(readFirstScreen(answered)).toEqual(answered);
    const refused = { projects: { ok: false, error: { code: 'internal', message: 'No.' } }, libraryChanges: 4 };
    expect(readFirstScreen(refused)).toEqual(refused);
    const unnumbered = [{ projects: answered.projects }, { ...answered, libraryChanges: -1 }, { ...answered, libraryChanges: '0' }];
    for (const bad of [null, [], {}, { projects: [] }, { projects: { ok: 'yes' } }, { projects: { ok: false, error: 'No.' } }, ...unnumbered]) {
      expect(readFirstScreen(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('reads thumbnails as images only, in the order asked', () => {
    const bundle = { urls: ['data:image/jpeg;base64,AAAA', null, 'data:image/png;base64,BBBB'] };
    expect(readThumbnailBundle(bundle)).toEqual(bundle);
    for (const bad of [null, { urls: 'data:image/jpeg;base64,AAAA' }, { urls: ['https://example.com/a.jpg'] }, { urls: ['data:text/html,<b>'] }, { urls: [1] }]) {
      expect(readThumbnailBundle(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('sends a large paste whole, and refuses one over the message limit with a typed error before it is sent', () => {
    const large = restoreOf(500, 1_000);
    expect(calls['shapes.restore'].input.safeParse(large).success).toBe(true);
    const sent = encodeRequest({ id: 1, call: 'shapes.restore', input: large });
    expect('text' in sent && sent.text.length).toBeLessThan(maxMessageBytes);

    const tooLarge = { ok: false, error: { code: 'invalid-input', message: 'This change is too large to send to the Stillframe host in one go. Make it in smaller parts.' } };
    expect(encodeRequest({ id: 2, call: 'shapes.restore', input: restoreOf(600, 20_000) })).toEqual({ error: tooLarge });
    // The contract's largest: 10,000 shapes of 20,000 points, longer as JSON than a JavaScript string can be.
    const largest = restoreOf(10_000, 20_000);
    expect(encodeRequest({ id: 3, call: 'shapes.paste', input: { toFrameId: frameId, ...largest } })).toEqual({ error: tooLarge });
  });

  it('sends a kept edit again under a new id exactly as it was encoded', () => {
    const input = restoreOf(3, 4);
    const kept = encodeRequest({ id: 0, call: 'shapes.restore', input });
    if (!('text' in kept)) throw new Error('not encoded');
    for (const id of [1, 12, 123_456]) {
      const again = encodeRequest({ id, call: 'shapes.restore', input });
      expect(renumberRequest(kept.text, id)).toEqual('text' in again && again.text);
      expect(requestFrameSchema.parse(JSON.parse(renumberRequest(kept.text, id)))).toEqual({ id, call: 'shapes.restore', input });
    }
  });
});
