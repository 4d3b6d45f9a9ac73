import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { maxMessageBytes, readServerFrame, resendableCalls, type ResponseFrame } from '../../shared/host-protocol';
import { uuidv7 } from '../../shared/ids';
import { listShapes } from '../library/annotations';
import { seedFrames } from '../test-support/seed-frames';
import type { ServiceOptions } from '../services';
import { mediaDir, openTestServices } from '../test-support/temp-library';
import { startBrowserHost, type BrowserHost } from './browser-host';
import { hostTokenFileName } from './host-token';

const hosts: BrowserHost[] = [];
afterEach(async () => {
  while (hosts.length > 0) await hosts.pop()?.close();
});

async function start(options: Partial<ServiceOptions> = {}) {
  const services = openTestServices(options);
  const rendererDir = mkdtempSync(path.join(tmpdir(), 'sf-renderer-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Stillframe</title>');
  mkdirSync(path.join(services.paths.frames, 'p'), { recursive: true });
  writeFileSync(path.join(services.paths.frames, 'p', 'frame_000001.jpg'), 'jpeg bytes');
  const host = await startBrowserHost(services, { port: 0, rendererDir });
  hosts.push(host);
  return { services, host, origin: `http://127.0.0.1:${host.port}` };
}

function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
  sent?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(sent);
  });
}

/** A connection once the host has greeted it (its first message): what follows are answers and events. */
function connect(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin });
    socket.once('message', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A message from the host as the page reads it: text, or binary with packed numbers. */
function readMessage(data: WebSocket.RawData, isBinary: boolean) {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  return readServerFrame(isBinary ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) : bytes.toString());
}

/** The answer to a call, and whether it came as a binary message. */
function answerOver(socket: WebSocket, id: number, call: string, input: unknown): Promise<{ result: ResponseFrame['result']; binary: boolean }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      const message = readMessage(data, isBinary);
      if (message && 'result' in message && message.id === id) {
        socket.off('message', onMessage);
        resolve({ result: message.result, binary: isBinary });
      }
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ id, call, input }));
  });
}

async function callOver(socket: WebSocket, id: number, call: string, input: unknown): Promise<unknown> {
  return (await answerOver(socket, id, call, input)).result;
}

/** Sends a request exactly as written, which an HTTP client would refuse to build, and returns what came back. */
function rawRequest(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connectTcp(port, '127.0.0.1', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      // An upgrade refused is answered without closing at once; the status line is all this needs.
      if (answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** A WebSocket upgrade to the host's API, written by hand so a test controls every byte that follows it. */
function upgradeRequest(port: number, token: string, origin: string): string {
  return [
    `GET /api?token=${token} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    `Origin: ${origin}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

describe('the browser host', () => {
  it('prints a loopback URL carrying its token, and serves the page with a strict CSP', async () => {
    const { host, origin } = await start();
    expect(host.url).toBe(`${origin}/#token=${host.token}`);
    expect(host.token).toMatch(/^[0-9a-f]{48}$/);
    const page = await get(`${origin}/`);
    expect(page.status).toBe(200);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(page.headers['content-security-policy'])).not.toContain('unsafe-eval');
  });

  it('carries calls and events over the WebSocket for its own page only', async () => {
    const { host, origin } = await start();
    const api = `ws://127.0.0.1:${host.port}/api?token=${host.token}`;
    await expect(connect(`ws://127.0.0.1:${host.port}/api?token=wrong`, origin)).rejects.toThrow();
    await expect(connect(api, 'https://evil.example')).rejects.toThrow();
    await expect(connect(`ws://127.0.0.1:${host.port}/api`, origin)).rejects.toThrow();

    const socket = await connect(api, origin);
    const events: unknown[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { event?: string };
      if (message.event) events.push(message);
    });
    expect(await callOver(socket, 1, 'projects.create', { name: 'Over the wire' })).toMatchObject({ ok: true, value: { name: 'Over the wire' } });
    expect(await callOver(socket, 2, 'projects.create', { name: 7 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await callOver(socket, 3, 'no.such.call', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    socket.send('not json at all');
    expect(await callOver(socket, 4, 'projects.list', {})).toMatchObject({ ok: true, value: [{ name: 'Over the wire' }] });
    expect(events).toContainEqual({ event: 'library.changed', payload: expect.objectContaining({ entity: 'project' }) });
    socket.close();
  });

  it('names the library it serves without its token, and says whether a token is that library’s', async () => {
    const first = await start();
    const second = await start();
    const info = async (origin: string, token?: string) =>
      JSON.parse((await get(`${origin}/library-info`, token ? { 'x-stillframe-token': token } : {})).body) as { library: string; accepted: boolean };
    const named = await info(first.origin);
    expect(named.accepted).toBe(false);
    expect(named.library).not.toContain(first.host.token.slice(0, 8));
    expect(await info(first.origin, first.host.token)).toEqual({ library: named.library, accepted: true });
    // Another library's token is refused, and that library has a name of its own.
    expect(await info(first.origin, second.host.token)).toEqual({ library: named.library, accepted: false });
    expect((await info(second.origin)).library).not.toBe(named.library);
  });

  it('answers the first screen with what projects.list answers, only to its own page with the token', async () => {
    const { host, origin } = await start();
    const socket = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, origin);
    // A name that would end a script element, and one that is markup: they travel as JSON, never inside the HTML.
    const names = ['</script><script>window.injected = 1</script>', '<b>Bold</b> & "quoted"'];
    for (const [i, name] of names.entries()) expect(await callOver(socket, i + 1, 'projects.create', { name })).toMatchObject({ ok: true });
    const ask = (headers: Record<string, string>) => get(`${origin}/first-screen`, headers, 'POST');

    const answer = await ask({ origin, 'x-stillframe-token': host.token });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    const listed = await callOver(socket, 9, 'projects.list', {});
    socket.close();
    // Read after the two projects were made: the count it carries is theirs.
    expect(JSON.parse(answer.body)).toEqual({ projects: listed, libraryChanges: 2 });
    expect((listed as { value: { name: string }[] }).value.map((project) => project.name).sort()).toEqual([...names].sort());

    expect((await ask({ origin })).status).toBe(403);
    expect((await ask({ origin, 'x-stillframe-token': 'wrong' })).status).toBe(403);
    expect((await ask({ origin: 'https://evil.example', 'x-stillframe-token': host.token })).status).toBe(403);
    // The page itself, asked for without a token, says nothing of the library.
    const page = await get(`${origin}/`);
    for (const name of names) expect(page.body).not.toContain(name);
  });

  it('greets each connection with its count of library changes, which the first screen and library.changes share', async () => {
    const { host, origin } = await start();
    const api = `ws://127.0.0.1:${host.port}/api?token=${host.token}`;
    const firstScreen = async () =>
      JSON.parse((await get(`${origin}/first-screen`, { origin, 'x-stillframe-token': host.token }, 'POST')).body) as { libraryChanges: number };
    /** A connection and the messages it received, the first of them kept from before `open` is even reported. */
    const listen = () =>
      new Promise<{ socket: WebSocket; messages: unknown[] }>((resolve, reject) => {
        const socket = new WebSocket(api, { origin });
        const messages: unknown[] = [];
        socket.on('message', (data) => messages.push(JSON.parse(String(data))));
        socket.once('open', () => resolve({ socket, messages }));
        socket.once('error', reject);
      });
    const greeted = async (messages: unknown[]) => {
      await expect.poll(() => messages.length).toBeGreaterThan(0);
      return messages[0];
    };

    expect((await firstScreen()).libraryChanges).toBe(0);
    const first = await listen();
    expect(await greeted(first.messages)).toEqual({ greeting: { libraryChanges: 0 } });
    for (const [i, name] of ['One', 'Two'].entries()) expect(await callOver(first.socket, i + 1, 'projects.create', { name })).toMatchObject({ ok: true });
    // A read changes nothing, and leaves the count where it is.
    await callOver(first.socket, 3, 'projects.list', {});
    expect(await callOver(first.socket, 4, 'library.changes', {})).toEqual({ ok: true, value: 2 });
    expect((await firstScreen()).libraryChanges).toBe(2);
    // A page that joins later is told the count it joins at, and hears each change after it.
    const later = await listen();
    expect(await greeted(later.messages)).toEqual({ greeting: { libraryChanges: 2 } });
    expect(await callOver(first.socket, 5, 'projects.create', { name: 'Three' })).toMatchObject({ ok: true });
    await expect.poll(() => later.messages.length).toBe(2);
    expect(later.messages[1]).toMatchObject({ event: 'library.changed' });
    expect(await callOver(later.socket, 1, 'library.changes', {})).toEqual({ ok: true, value: 3 });
    first.socket.close();
    later.socket.close();
  });

  it('serves library media only with the token and never outside the library', async () => {
    const { host, origin } = await start();
    expect((await get(`${origin}/media/frames/p/frame_000001.jpg?token=${host.token}`)).body).toBe('jpeg bytes');
    expect((await get(`${origin}/media/frames/p/frame_000001.jpg`)).status).toBe(403);
    expect((await get(`${origin}/media/frames/%2e%2e/%2e%2e/stillframe.db?token=${host.token}`)).status).toBe(404);
    expect((await get(`${origin}/media/..%2fstillframe.db?token=${host.token}`)).status).toBe(404);
    expect((await get(`${origin}/media/frames/p/frame_000001.jpg?token=${host.token}`, { host: 'evil.example' })).status).toBe(421);
  });

  it('sends a screen of thumbnails in one response, in order, and nothing from outside the library', async () => {
    const { services, host, origin } = await start();
    mkdirSync(path.join(services.paths.thumbs, 'p'), { recursive: true });
    writeFileSync(path.join(services.paths.thumbs, 'p', 'frame_000001.jpg'), 'first thumb');
    writeFileSync(path.join(services.paths.thumbs, 'p', 'frame_000002.jpg'), 'second thumb');
    const ask = (paths: unknown, headers: Record<string, string> = { origin, 'x-stillframe-token': host.token }) =>
      get(`${origin}/thumbnails`, { 'content-type': 'application/json', ...headers }, 'POST', JSON.stringify({ paths }));
    const dataUrl = (text: string) => `data:image/jpeg;base64,${Buffer.from(text).toString('base64')}`;

    const answer = await ask(['thumbs/p/frame_000002.jpg', 'thumbs/p/gone.jpg', 'thumbs/p/frame_000001.jpg', '../stillframe.db', 'stillframe.db']);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ urls: [dataUrl('second thumb'), null, dataUrl('first thumb'), null, null] });

    // Batch folders may hold any Unicode and a literal %, which must not be read as URL escapes.
    mkdirSync(path.join(services.paths.thumbs, 'Løv 100%'), { recursive: true });
    writeFileSync(path.join(services.paths.thumbs, 'Løv 100%', 'frame_000001.jpg'), 'unicode thumb');
    expect(JSON.parse((await ask(['thumbs/Løv 100%/frame_000001.jpg'])).body)).toEqual({ urls: [dataUrl('unicode thumb')] });

    expect((await ask(['thumbs/p/frame_000001.jpg'], { origin })).status).toBe(403);
    expect((await ask(['thumbs/p/frame_000001.jpg'], { origin: 'https://evil.example', 'x-stillframe-token': host.token })).status).toBe(403);
    expect((await ask([])).status).toBe(400);
    expect((await ask(Array.from({ length: 257 }, () => 'thumbs/p/frame_000001.jpg'))).status).toBe(400);
    expect((await ask('x'.repeat(300_000))).status).toBe(413);
  });

  it('accepts uploads only from its own origin with the token', async () => {
    const { services, host, origin } = await start();
    expect((await get(`${origin}/upload?name=a.mp4&token=${host.token}`, { origin: 'https://evil.example' }, 'POST')).status).toBe(403);
    expect((await get(`${origin}/upload?name=a.mp4`, { origin }, 'POST')).status).toBe(403);
    const ok = await get(`${origin}/upload?name=..%2F..%2Fa.mp4`, { origin, 'x-stillframe-token': host.token }, 'POST');
    expect(ok.status).toBe(200);
    const stored = (JSON.parse(ok.body) as { path: string }).path;
    expect(path.basename(stored)).toBe('a.mp4');
    expect(stored.startsWith(path.join(services.paths.root, 'imports') + path.sep)).toBe(true);
  });
});

/** One client frame, built by hand so a test can break the rules a WebSocket client library never breaks. */
function wsFrame(opcode: number, payload: Buffer, { mask = true, rsv = 0, declaredLength }: { mask?: boolean; rsv?: number; declaredLength?: number } = {}): Buffer {
  const length = declaredLength ?? payload.length;
  const head = [0x80 | (rsv << 4) | opcode];
  let extended = Buffer.alloc(0);
  if (length < 126) head.push((mask ? 0x80 : 0) | length);
  else if (length < 65536) {
    head.push((mask ? 0x80 : 0) | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push((mask ? 0x80 : 0) | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const body = mask ? Buffer.from(payload.map((byte, i) => byte ^ (key[i % 4] ?? 0))) : payload;
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}

/**
 * What a raw connection received after the host's greeting, its first frame (short, unmasked text), once that has come
 * whole; null before.
 */
function pastGreeting(received: Buffer): Buffer | null {
  const length = (received[1] ?? 0) & 0x7f;
  if (received.length < 2 || received.length < 2 + length) return null;
  expect(JSON.parse(received.subarray(2, 2 + length).toString())).toHaveProperty('greeting');
  return received.subarray(2 + length);
}

/** Opens /api over a raw TCP socket, sends `bytes`, and resolves with the close code the host answers with. */
function closeCodeFor(host: BrowserHost, bytes: Buffer): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(host.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let upgraded = false;
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(upgradeRequest(host.port, host.token, `http://127.0.0.1:${host.port}`));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        expect(received.subarray(0, end).toString()).toMatch(/^HTTP\/1\.1 101/);
        upgraded = true;
        received = received.subarray(end + 4);
        socket.write(bytes);
      }
    });
    socket.on('close', () => {
      // The host's close frame: 0x88, a length, then the two-byte code.
      const closing = pastGreeting(received);
      resolve(closing && closing[0] === 0x88 && closing.length >= 4 ? closing.readUInt16BE(2) : null);
    });
  });
}

function replyTo(socket: WebSocket, text: string | Buffer): Promise<unknown> {
  return new Promise((resolve) => {
    socket.once('message', (data) => resolve(JSON.parse(String(data))));
    socket.send(text);
  });
}

function upload(url: string, headers: Record<string, string>, chunks: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    // The host may drop the connection once it has answered; the answer is what counts.
    req.on('error', (error) => setTimeout(() => reject(error), 1000));
    const writeNext = (index: number) => {
      const chunk = chunks[index];
      if (!chunk) return void req.end();
      req.write(chunk, () => writeNext(index + 1));
    };
    writeNext(0);
  });
}

/**
 * Opens the API's WebSocket on a plain TCP socket and writes these calls in one write, so that the host reads them
 * in one network read, as it does when a page sends several at once; resolves with the ids in the order answered.
 */
function callsInOneWrite(port: number, token: string, origin: string, calls: { id: number; call: string; input: unknown }[]): Promise<number[]> {
  const masked = (text: string) => {
    const payload = Buffer.from(text);
    if (payload.length > 125) throw new Error('This helper writes only short frames.');
    const mask = randomBytes(4);
    return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0))]);
  };
  return new Promise((resolve, reject) => {
    const answered: number[] = [];
    let received: Buffer = Buffer.alloc(0);
    let upgraded = false;
    let greeted = false;
    const socket = connectTcp(port, '127.0.0.1', () =>
      socket.write(upgradeRequest(port, token, origin)),
    );
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        received = received.subarray(end + 4);
        socket.write(Buffer.concat(calls.map((call) => masked(JSON.stringify(call)))));
      }
      if (!greeted) {
        const rest = pastGreeting(received);
        if (!rest) return;
        greeted = true;
        received = rest;
      }
      // The host's frames are unmasked text, short enough for a 7- or 16-bit length.
      while (received.length >= 2) {
        const short = (received[1] ?? 0) & 0x7f;
        const start = short === 126 ? 4 : 2;
        if (received.length < start) return;
        const length = short === 126 ? received.readUInt16BE(2) : short;
        if (received.length < start + length) return;
        answered.push((JSON.parse(received.subarray(start, start + length).toString()) as { id: number }).id);
        received = received.subarray(start + length);
        if (answered.length === calls.length) {
          socket.destroy();
          resolve(answered);
          return;
        }
      }
    });
    socket.on('error', reject);
  });
}

describe('the order of answers', () => {
  it('answers the calls of one network read in the order sent, also when the first of them waits on something', async () => {
    const { services, host, origin } = await start();
    const frameId = seedFrames(services.db, [{ width: 640, height: 360 }]).frames[0]?.id ?? '';
    // frames.get waits for the sync service before it answers; the shapes of the frame are read at once.
    const order = await callsInOneWrite(host.port, host.token, origin, [
      { id: 1, call: 'frames.get', input: { id: frameId } },
      { id: 2, call: 'shapes.list', input: { frameId } },
    ]);
    expect(order).toEqual([1, 2]);
  });
});

describe('answers full of shapes', () => {
  it('carry their points as binary doubles, read back exactly as the library lists them', async () => {
    const { services, host, origin } = await start();
    const frameId = seedFrames(services.db, [{ width: 3840, height: 2160 }]).frames[0]?.id ?? '';
    const socket = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, origin);
    const polygon = (i: number) => Array.from({ length: 40 }, (_, k) => (k % 2 === 0 ? 100 + i * 7 : 50 + i * 3) + Math.cos(k + i) * 20 + 1 / 3);
    const shapes = Array.from({ length: 100 }, (_, i) => ({ id: uuidv7(), frameId, type: 'polygon', points: polygon(i) }));
    expect(await callOver(socket, 1, 'shapes.restore', { shapes })).toMatchObject({ ok: true });
    const listed = await answerOver(socket, 2, 'shapes.list', { frameId });
    expect(listed.binary).toBe(true);
    expect(listed.result).toEqual({ ok: true, value: listShapes(services.db, frameId) });
    expect(listed.result).toMatchObject({ value: shapes.map(({ id, points }) => ({ id, points })) });
    // A few shapes' points go as text, as every other answer does.
    const few = await answerOver(socket, 3, 'shapes.delete', { ids: shapes.slice(0, 2).map((shape) => shape.id) });
    expect(few).toMatchObject({ binary: false, result: { ok: true, value: [{ points: shapes[0]?.points }, { points: shapes[1]?.points }] } });
    socket.close();
  });
});

describe('edits the page sends again after a lost connection', () => {
  it('change nothing more when the host had already applied them, whichever of them are sent again', async () => {
    const { services, host, origin } = await start();
    const frameId = seedFrames(services.db, [{ width: 640, height: 360 }]).frames[0]?.id ?? '';
    const socket = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, origin);
    const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
    const edits: [string, unknown][] = [
      ['shapes.save', { shape: { id: a, frameId, type: 'point', points: [1, 1] } }],
      ['shapes.save', { shape: { id: b, frameId, type: 'point', points: [2, 2] } }],
      ['shapes.restore', { shapes: [{ id: a, frameId, type: 'point', points: [3, 3] }, { id: c, frameId, type: 'point', points: [4, 4] }] }],
      ['shapes.move', { moveId: uuidv7(), frameId, ids: [a, b, c], dx: 10, dy: 20 }],
      ['shapes.delete', { ids: [b] }],
      ['shapes.move', { moveId: uuidv7(), frameId, ids: [a], dx: 100, dy: 0 }],
      ['shapes.move', { moveId: uuidv7(), frameId, ids: [a, c], dx: -50, dy: -2 }],
    ];
    expect(new Set(edits.map(([call]) => call))).toEqual(resendableCalls);
    let id = 1;
    const sendAll = async (list: [string, unknown][]) => {
      for (const [call, input] of list) expect(await callOver(socket, id++, call, input), call).toMatchObject({ ok: true });
    };
    const onFrame = async () => {
      const listed = (await callOver(socket, id++, 'shapes.list', { frameId })) as { value: { id: string; points: number[] }[] };
      return listed.value.map((shape) => [shape.id, shape.points]);
    };
    await sendAll(edits);
    const applied = await onFrame();
    expect(applied).toEqual(expect.arrayContaining([[a, [99, 21]], [c, [0, 22]]]));
    expect(applied).toHaveLength(2);
    for (let from = 0; from < edits.length; from++) {
      await sendAll(edits.slice(from));
      expect(await onFrame(), `sent again from edit ${from + 1}`).toEqual(applied);
    }
    socket.close();
  });
});

describe('the browser host under bad input', () => {
  it('answers null and every other message that is not a call with a typed error, and keeps serving', async () => {
    const { host, origin } = await start();
    const socket = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, origin);
    const refused = { ok: false, error: { code: 'invalid-input', message: 'The Stillframe host received a message it could not read.' } };
    for (const text of ['null', '42', '"text"', '[]', 'true', '{}', '{"id":"one","call":"projects.list"}', 'not json']) {
      expect(await replyTo(socket, text), text).toMatchObject({ id: null, result: refused });
    }
    expect(await replyTo(socket, '{"id":5,"call":7}')).toMatchObject({ id: 5, result: refused });
    expect(await replyTo(socket, Buffer.from('{"id":6,"call":"projects.list","input":{}}'))).toMatchObject({ id: null, result: refused });
    expect(await callOver(socket, 7, 'projects.list', {})).toEqual({ ok: true, value: [] });
    socket.close();
  });

  it('closes a connection that breaks the WebSocket protocol with its close code, and serves the others', async () => {
    const { host, origin } = await start();
    const bystander = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, origin);
    const text = Buffer.from('{"id":1,"call":"projects.list","input":{}}');
    const closeCode = (code: number) => {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      return payload;
    };
    expect(await closeCodeFor(host, wsFrame(0x1, text, { mask: false })), 'unmasked frame').toBe(1002);
    expect(await closeCodeFor(host, wsFrame(0x3, text)), 'reserved opcode').toBe(1002);
    expect(await closeCodeFor(host, wsFrame(0x1, text, { rsv: 0b100 })), 'RSV1 without an extension').toBe(1002);
    expect(await closeCodeFor(host, wsFrame(0x1, text, { rsv: 0b011 })), 'RSV2 and RSV3').toBe(1002);
    expect(await closeCodeFor(host, wsFrame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))), 'invalid UTF-8').toBe(1007);
    expect(await closeCodeFor(host, wsFrame(0x8, closeCode(999))), 'invalid close code').toBe(1002);
    expect(await closeCodeFor(host, wsFrame(0x8, closeCode(1005))), 'reserved close code').toBe(1002);
    expect(await closeCodeFor(host, wsFrame(0x1, Buffer.alloc(0), { declaredLength: maxMessageBytes + 1 })), 'frame over the limit').toBe(1009);
    expect(await callOver(bystander, 1, 'projects.list', {})).toEqual({ ok: true, value: [] });
    bystander.close();
  });

  it('answers 404 for a folder, a missing file and a FIFO under /media and never blocks on a FIFO', async () => {
    const { services, host, origin } = await start();
    const media = (relative: string) => get(`${origin}/media/${relative}?token=${host.token}`);
    expect((await media('frames/p')).status).toBe(404);
    expect((await media('frames')).status).toBe(404);
    expect((await media('frames/p/gone.jpg')).status).toBe(404);
    execFileSync('mkfifo', [path.join(services.paths.frames, 'p', 'pipe.jpg')]);
    mkdirSync(path.join(services.paths.thumbs, 'p'), { recursive: true });
    execFileSync('mkfifo', [path.join(services.paths.thumbs, 'p', 'pipe.jpg')]);
    // More requests than libuv has threads: a blocking open would take them all and the host would stop answering.
    const fifoAnswers = await Promise.all(Array.from({ length: 8 }, () => media('frames/p/pipe.jpg')));
    expect(fifoAnswers.map((answer) => answer.status)).toEqual(Array(8).fill(404));
    const bundle = await get(
      `${origin}/thumbnails`,
      { 'content-type': 'application/json', origin, 'x-stillframe-token': host.token },
      'POST',
      JSON.stringify({ paths: ['thumbs/p/pipe.jpg', 'frames/p/frame_000001.jpg'] }),
    );
    expect(JSON.parse(bundle.body)).toEqual({ urls: [null, `data:image/jpeg;base64,${Buffer.from('jpeg bytes').toString('base64')}`] });
    const frame = await media('frames/p/frame_000001.jpg');
    expect(frame).toMatchObject({ status: 200, body: 'jpeg bytes' });
    expect(frame.headers['content-length']).toBe(String('jpeg bytes'.length));
  });

  it('says the port is taken when another program holds it', async () => {
    const { host } = await start();
    const services = openTestServices();
    const rendererDir = mkdtempSync(path.join(tmpdir(), 'sf-renderer-'));
    await expect(startBrowserHost(services, { port: host.port, rendererDir })).rejects.toMatchObject({
      code: 'busy',
      message: `Port ${host.port} is already in use by another program. Choose another with --port, or leave --port out to take a free one.`,
    });
  });

  it('answers a request whose address cannot be read with 400 and keeps serving', async () => {
    const { host, origin } = await start();
    const hostLine = `Host: 127.0.0.1:${host.port}`;
    const upgrade = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Origin: ${origin}`];
    expect(await rawRequest(host.port, ['GET http://[ HTTP/1.1', hostLine, 'Connection: close'])).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawRequest(host.port, ['GET http://[ HTTP/1.1', hostLine, ...upgrade])).toMatch(/^HTTP\/1\.1 403 /);
    const badEscape = await rawRequest(host.port, [`GET /downloads/%E0%A4%A HTTP/1.1`, hostLine, `x-stillframe-token: ${host.token}`, 'Connection: close']);
    expect(badEscape).toMatch(/^HTTP\/1\.1 404 /);
    expect((await get(`${origin}/media/frames/p/frame_000001.jpg?token=${host.token}`)).body).toBe('jpeg bytes');
  });

  it('carries on when a client drops a request half-way through its body', async () => {
    const { host, origin } = await start();
    for (const route of ['/thumbnails', '/upload?name=half.mp4']) {
      await new Promise<void>((resolve) => {
        const socket = connectTcp(host.port, '127.0.0.1', () => {
          socket.write(
            [`POST ${route} HTTP/1.1`, `Host: 127.0.0.1:${host.port}`, `Origin: ${origin}`, `x-stillframe-token: ${host.token}`, 'Content-Length: 100000', '', '{"paths": ['].join('\r\n'),
            () => setTimeout(() => socket.destroy(), 50),
          );
        });
        socket.on('close', () => resolve());
      });
    }
    expect((await get(`${origin}/media/frames/p/frame_000001.jpg?token=${host.token}`)).body).toBe('jpeg bytes');
  });

  it('leaves no file open for a page closed while its images load, and keeps serving', async () => {
    const { host, origin } = await start();
    const image = `/media/frames/p/frame_000001.jpg?token=${host.token}`;
    // Each request is sent whole and the connection closed at once, as a page closed while it loads does.
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve) => {
        const socket = connectTcp(host.port, '127.0.0.1', () => {
          socket.write([`GET ${image} HTTP/1.1`, `Host: 127.0.0.1:${host.port}`, '', ''].join('\r\n'), () => socket.destroy());
        });
        socket.on('close', () => resolve());
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const open = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).endsWith('frame_000001.jpg');
      } catch {
        return false;
      }
    });
    expect(open).toEqual([]);
    expect((await get(`${origin}${image}`)).body).toBe('jpeg bytes');
  });

  it('refuses a chunked upload once the bytes received pass the size limit, and keeps nothing of it', async () => {
    const { services, host, origin } = await start({ ingest: { maxFileBytes: 64 * 1024 } });
    const headers = { origin, 'x-stillframe-token': host.token };
    const url = `${origin}/upload?name=big.mp4`;
    expect(await upload(url, headers, Array.from({ length: 8 }, () => randomBytes(16 * 1024)))).toBe(413);
    const imports = path.join(services.paths.root, 'imports');
    expect(existsSync(imports) ? readdirSync(imports) : []).toEqual([]);
    expect(await upload(url, headers, [randomBytes(16 * 1024), randomBytes(16 * 1024)])).toBe(200);
  });

  it('keeps one token per library, readable by its owner only, across restarts', async () => {
    const services = openTestServices();
    const rendererDir = mkdtempSync(path.join(tmpdir(), 'sf-renderer-'));
    const first = await startBrowserHost(services, { port: 0, rendererDir });
    const token = first.token;
    await first.close();
    const second = await startBrowserHost(services, { port: 0, rendererDir });
    hosts.push(second);
    expect(second.token).toBe(token);
    expect(second.url).toBe(`http://127.0.0.1:${second.port}/#token=${token}`);
    expect(statSync(path.join(services.paths.root, hostTokenFileName)).mode & 0o777).toBe(0o600);
    const other = await start();
    expect(other.host.token).not.toBe(token);
  });
});

async function uploadFile(host: BrowserHost, origin: string, name: string, body: Buffer): Promise<string> {
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(`${origin}/upload?name=${name}`, { method: 'POST', headers: { origin, 'x-stillframe-token': host.token } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
  return (JSON.parse(answer) as { path: string }).path;
}

describe('uploads for imports', () => {
  const sampling = { sampling: { mode: 'every', seconds: 10 }, jpegQuality: 3 };

  it('checks the batch choice and each file by the import rules before a byte is uploaded', async () => {
    const { host, origin } = await start();
    const socket = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, origin);
    const project = (await callOver(socket, 1, 'projects.create', { name: 'Checks' })) as { value: { id: string } };
    const projectId = project.value.id;
    const check = (id: number, batch: unknown, files = [{ name: 'clip.mp4', sizeBytes: 10 }]) => callOver(socket, id, 'ingest.check', { projectId, batch, files });
    expect(await check(2, { newName: '  ' })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'Batch name is required.' } });
    expect(await check(3, { newName: 'x'.repeat(51) })).toMatchObject({ ok: false, error: { message: 'Batch name is too long: at most 50 characters.' } });
    expect(await check(4, { existingId: '01890000-0000-7000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await check(5, { newName: 'Cars' }, [{ name: 'notes.txt', sizeBytes: 10 }, { name: 'clip.MP4', sizeBytes: 10 }])).toEqual({
      ok: true,
      value: {
        files: [
          { name: 'notes.txt', error: { code: 'not-a-video', message: '“notes.txt” is not a video file. Stillframe imports videos such as MP4, MOV, MKV and WebM.' } },
          { name: 'clip.MP4', error: null },
        ],
      },
    });
    const video = readFileSync(path.join(mediaDir, 'milk.mkv'));
    const file = await uploadFile(host, origin, 'milk.mkv', video);
    expect(await callOver(socket, 6, 'ingest.start', { projectId, batch: { newName: 'Cars' }, paths: [file], options: sampling })).toMatchObject({ ok: true });
    expect(await check(7, { newName: 'cars' })).toMatchObject({ ok: false, error: { code: 'conflict', message: 'This project already has a batch named “cars”. Choose another name.' } });
    socket.close();
  });

  it('removes uploads no video row refers to: after an import, after a delete, and when the host starts', async () => {
    const { services, host, origin } = await start();
    const socket = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, origin);
    const send = (name: string, body: Buffer) => uploadFile(host, origin, name, body);
    const video = readFileSync(path.join(mediaDir, 'milk.mkv'));
    const kept = () => (existsSync(path.join(services.paths.root, 'imports')) ? readdirSync(path.join(services.paths.root, 'imports')) : []).length;
    const project = (await callOver(socket, 1, 'projects.create', { name: 'Uploads' })) as { value: { id: string } };
    const projectId = project.value.id;

    const first = await send('milk.mkv', video);
    const again = await send('milk-again.mkv', video);
    const started = await callOver(socket, 2, 'ingest.start', { projectId, batch: { newName: 'Milk' }, paths: [first, again], options: sampling });
    expect(started).toMatchObject({ ok: true, value: { videos: [{ duplicateOf: null }, { duplicateOf: expect.any(String) }] } });
    // The duplicate has no video row: its upload is gone, the imported one stays for its extraction.
    expect(existsSync(first)).toBe(true);
    expect(existsSync(again)).toBe(false);

    const refused = await send('other.mkv', video);
    expect(await callOver(socket, 3, 'ingest.start', { projectId, batch: { newName: 'milk' }, paths: [refused], options: sampling })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    expect(existsSync(refused)).toBe(false);

    // Uploaded, its import not asked for yet: kept while this host runs.
    const waiting = await send('waiting.mkv', video);
    expect(await callOver(socket, 4, 'projects.delete', { id: projectId })).toMatchObject({ ok: true });
    expect(existsSync(first)).toBe(false);
    expect(existsSync(waiting)).toBe(true);
    expect(kept()).toBe(1);
    socket.close();

    await hosts.pop()?.close();
    hosts.push(await startBrowserHost(services, { port: 0, rendererDir: mkdtempSync(path.join(tmpdir(), 'sf-renderer-')) }));
    expect(existsSync(waiting)).toBe(false);
    expect(kept()).toBe(0);
  });
});
