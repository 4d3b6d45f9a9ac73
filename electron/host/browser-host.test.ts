import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openTestServices } from '../test-support/temp-library';
import { startBrowserHost, type BrowserHost } from './browser-host';

const hosts: BrowserHost[] = [];
afterEach(async () => {
  while (hosts.length > 0) await hosts.pop()?.close();
});

async function start() {
  const services = openTestServices();
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

function connect(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

function callOver(socket: WebSocket, id: number, call: string, input: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id === id) {
        socket.off('message', onMessage);
        resolve(message.result);
      }
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ id, call, input }));
  });
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
