import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { handleAuth } from './auth';
import type { StandInContext } from './context';
import { bearerToken, sendJson } from './http';
import { signJwt, verifyJwt, type JwtClaims } from './jwt';
import { startSupabaseDatabase } from './postgres';
import { handleRest } from './rest';
import { handleObjects, handleUnauthenticatedObjects, sendStorageError, StorageError } from './storage';
import { startRealtime } from './realtime';
import { handleResumable } from './resumable';

export interface StandInOptions {
  /** Added before every answer, to stand for a round trip to a hosted project (the bench uses 50 ms). */
  latencyMs?: number;
  /** Lifetime of access tokens; GoTrue's default is an hour. */
  accessTokenSeconds?: number;
  /** Run after the migrations, as the superuser: fixtures a test needs. */
  sql?: string[];
  port?: number;
}

export interface TrafficStats {
  /** HTTP requests. */
  requests: number;
  /** WebSocket frames received by Realtime. */
  messages: number;
  bytesIn: number;
  bytesOut: number;
}

export interface SupabaseStandIn {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Superuser pool on the project's database, for set-up and assertions. */
  admin: pg.Pool;
  stats(): TrafficStats;
  /** HTTP requests to this path (e.g. `/rest/v1/processing_jobs`, any query) since the start or the last resetStats. */
  requestsTo(pathname: string): number;
  resetStats(): void;
  setLatency(ms: number): void;
  /** From now on Storage answers no download until `releaseDownloads` lets it: files still on their way. */
  holdDownloads(): void;
  /** Lets this many held downloads (the oldest first, then later ones) through; without a count, all from now on. */
  releaseDownloads(count?: number): void;
  /** Downloads waiting for `releaseDownloads`. */
  heldDownloads(): number;
  setAccessTokenSeconds(seconds: number): void;
  /** Cuts every open HTTP and WebSocket connection, as a network drop would; the server keeps listening. */
  dropConnections(): void;
  /** While offline, every connection is cut as it opens, as with no network; back online, all is as it was. */
  setOffline(offline: boolean): void;
  stop(): Promise<void>;
}

const tenYears = 10 * 365 * 24 * 3600;
const exposedHeaders = 'content-range, content-length, etag, location, upload-offset, upload-length, tus-resumable, x-supabase-api-version';

function apiKey(role: 'anon' | 'service_role', secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ iss: 'supabase', ref: 'stand-in', role, iat: now, exp: now + tenYears }, secret);
}

/**
 * Supabase's gateway: the `apikey` must be one of the project's keys before any service sees the request, except
 * Storage's public and signed object URLs, which a browser fetches as they are.
 */
function gatewayRefusal(req: IncomingMessage, ctx: StandInContext): string | undefined {
  if (/^\/storage\/v1\/object\/(public|sign)\//.test(req.url ?? '') && (req.method === 'GET' || req.method === 'HEAD')) return undefined;
  const key = req.headers.apikey ?? new URL(req.url ?? '/', 'http://x').searchParams.get('apikey') ?? undefined;
  if (!key) return 'No API key found in request';
  if (key !== ctx.anonKey && key !== ctx.serviceRoleKey) return 'Invalid API key';
  return undefined;
}

type Caller = { claims: JwtClaims } | { error: 'invalid' | 'expired' };

function caller(req: IncomingMessage, ctx: StandInContext): Caller {
  const token = bearerToken(req);
  return token ? verifyJwt(token, ctx.jwtSecret) : { error: 'invalid' };
}

function restJwtError(res: ServerResponse, error: 'invalid' | 'expired') {
  if (error === 'expired') return sendJson(res, 401, { code: 'PGRST303', details: null, hint: null, message: 'JWT expired' });
  sendJson(res, 401, { code: 'PGRST301', details: null, hint: null, message: 'JWSError JWSInvalidSignature' });
}

export async function startSupabaseStandIn(options: StandInOptions = {}): Promise<SupabaseStandIn> {
  const database = await startSupabaseDatabase();
  for (const sql of options.sql ?? []) await database.admin.query(sql);
  const pool = new pg.Pool({ connectionString: database.url, max: 16, options: '-c search_path=auth,extensions,public' });
  // An idle connection cut by the server (stop, a test's pg_terminate_backend) is not the stand-in's failure.
  pool.on('error', () => {});
  const jwtSecret = randomBytes(32).toString('hex');
  const storageDir = mkdtempSync(path.join(tmpdir(), 'sf-supabase-storage-'));
  const ctx: StandInContext = {
    pool, jwtSecret, storageDir, databaseUrl: database.url,
    anonKey: apiKey('anon', jwtSecret),
    serviceRoleKey: apiKey('service_role', jwtSecret),
    issuer: '',
    accessTokenSeconds: options.accessTokenSeconds ?? 3600,
  };
  let latencyMs = options.latencyMs ?? 0;
  const traffic = { requests: 0, messages: 0, bytesIn: 0, bytesOut: 0 };
  const perPath = new Map<string, number>();
  const sockets = new Set<Socket>();
  /** Downloads Storage may still answer while they are held; Infinity when they are not. */
  let downloadAllowance = Number.POSITIVE_INFINITY;
  const heldDownloads: (() => void)[] = [];
  const letDownloadsThrough = () => {
    while (downloadAllowance > 0 && heldDownloads.length > 0) {
      downloadAllowance -= 1;
      heldDownloads.shift()?.();
    }
  };
  const downloadTurn = () => {
    if (downloadAllowance === Number.POSITIVE_INFINITY) return Promise.resolve();
    const turn = new Promise<void>((resolve) => heldDownloads.push(resolve));
    letDownloadsThrough();
    return turn;
  };

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // As Supabase's gateway: any origin may call (the renderer runs in Chromium), and the headers clients read are exposed.
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-expose-headers', exposedHeaders);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
        'access-control-max-age': '3600',
      }).end();
      return;
    }
    const refusal = gatewayRefusal(req, ctx);
    if (refusal) return sendJson(res, 401, { message: refusal });
    const [, service, version, ...rest] = url.pathname.split('/');
    const sub = `/${rest.join('/')}`;
    if (version !== 'v1') return sendJson(res, 404, { message: 'no Route matched with those values' });
    if (service === 'auth') return handleAuth(ctx, req, res, sub, url);
    if (service === 'rest') {
      const who = caller(req, ctx);
      if ('error' in who) return restJwtError(res, who.error);
      return handleRest(ctx, who.claims, req, res, sub, url);
    }
    if (service === 'storage') {
      if (await handleUnauthenticatedObjects(ctx, req, res, sub, url)) return;
      const who = caller(req, ctx);
      if ('error' in who) {
        return sendStorageError(res, new StorageError(400, 'InvalidJWT', 'InvalidJWT',
          who.error === 'expired' ? '"exp" claim timestamp check failed' : 'signature verification failed'));
      }
      if (sub.startsWith('/upload/resumable')) return handleResumable(ctx, who.claims, req, res, sub, url);
      if (req.method === 'GET' && sub.startsWith('/object/')) await downloadTurn();
      return handleObjects(ctx, who.claims, req, res, sub);
    }
    if (service === 'realtime' && sub === '/api/broadcast' && req.method === 'POST') {
      const who = caller(req, ctx);
      if ('error' in who) return sendJson(res, 401, { message: 'Invalid JWT Token' });
      return realtime.handleBroadcastApi(who.claims, req, res);
    }
    sendJson(res, 404, { message: 'no Route matched with those values' });
  }

  const server = createServer((req, res) => {
    traffic.requests += 1;
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    perPath.set(pathname, (perPath.get(pathname) ?? 0) + 1);
    const answer = async () => {
      if (latencyMs > 0) await sleep(latencyMs);
      await route(req, res);
    };
    answer().catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, 500, { message: error instanceof Error ? error.message : String(error) });
    });
  });
  let offline = false;
  server.on('connection', (socket) => {
    if (offline) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => {
      traffic.bytesIn += socket.bytesRead;
      traffic.bytesOut += socket.bytesWritten;
      sockets.delete(socket);
    });
  });
  const realtime = startRealtime(ctx, server, () => latencyMs, () => {
    traffic.messages += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('The stand-in did not get a port.');
  const url = `http://127.0.0.1:${address.port}`;
  ctx.issuer = `${url}/auth/v1`;

  return {
    url,
    anonKey: ctx.anonKey,
    serviceRoleKey: ctx.serviceRoleKey,
    admin: database.admin,
    stats() {
      let { bytesIn, bytesOut } = traffic;
      for (const socket of sockets) {
        bytesIn += socket.bytesRead;
        bytesOut += socket.bytesWritten;
      }
      return { requests: traffic.requests, messages: traffic.messages, bytesIn, bytesOut };
    },
    requestsTo(pathname) {
      return perPath.get(pathname) ?? 0;
    },
    resetStats() {
      // Open sockets keep counting from where they are, so their bytes so far are taken off.
      traffic.requests = 0;
      perPath.clear();
      traffic.messages = 0;
      traffic.bytesIn = -[...sockets].reduce((sum, socket) => sum + socket.bytesRead, 0);
      traffic.bytesOut = -[...sockets].reduce((sum, socket) => sum + socket.bytesWritten, 0);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    holdDownloads() {
      downloadAllowance = 0;
    },
    releaseDownloads(count) {
      downloadAllowance = count === undefined ? Number.POSITIVE_INFINITY : downloadAllowance + count;
      letDownloadsThrough();
    },
    heldDownloads() {
      return heldDownloads.length;
    },
    setAccessTokenSeconds(seconds) {
      ctx.accessTokenSeconds = seconds;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
      realtime.dropConnections();
    },
    setOffline(value) {
      offline = value;
      if (value) {
        for (const socket of sockets) socket.destroy();
        realtime.dropConnections();
      }
    },
    async stop() {
      await realtime.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
      await database.stop();
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
}

export interface TestSupabase {
  url: string;
  anonKey: string;
  admin: pg.Pool;
  stop(): Promise<void>;
  /** Only the stand-in has these; a real project leaves them undefined. */
  standIn?: SupabaseStandIn;
}

/**
 * A real Supabase project when SUPABASE_TEST_URL and SUPABASE_TEST_ANON_KEY are set (with SUPABASE_TEST_DB_URL, its
 * database's superuser connection string, for assertions); otherwise a fresh stand-in.
 */
export async function supabaseForTests(options: StandInOptions = {}): Promise<TestSupabase> {
  const { SUPABASE_TEST_URL: url, SUPABASE_TEST_ANON_KEY: anonKey, SUPABASE_TEST_DB_URL: dbUrl } = process.env;
  if (url && anonKey) {
    if (!dbUrl) throw new Error('SUPABASE_TEST_URL needs SUPABASE_TEST_DB_URL too: the project database\'s connection string, for the tests\' checks.');
    if (options.sql?.length) throw new Error('This test adds fixtures of its own to the database, which it does only to the stand-in, not to a real project.');
    const admin = new pg.Pool({ connectionString: dbUrl, max: 4 });
    return { url, anonKey, admin, stop: () => admin.end() };
  }
  const standIn = await startSupabaseStandIn(options);
  return { url: standIn.url, anonKey: standIn.anonKey, admin: standIn.admin, stop: () => standIn.stop(), standIn };
}
