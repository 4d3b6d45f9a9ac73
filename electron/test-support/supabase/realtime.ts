import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import pg from 'pg';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { StandInContext } from './context';
import { isObject, readJson, sendJson } from './http';
import { verifyJwt, type JwtClaims } from './jwt';

/** What a private channel's caller may do, as the policies on realtime.messages answered for the topic. */
interface Permissions {
  readBroadcast: boolean;
  writeBroadcast: boolean;
  readPresence: boolean;
  writePresence: boolean;
}

const everything: Permissions = { readBroadcast: true, writeBroadcast: true, readPresence: true, writePresence: true };

/**
 * Supabase's Realtime Authorization: as the caller, with `realtime.topic()` answering the channel's topic, can they
 * select a message row of each extension (read) and insert one (write)? All inside a transaction that is rolled back.
 */
async function authorize(ctx: StandInContext, claims: JwtClaims, topic: string): Promise<Permissions> {
  const db = await ctx.pool.connect();
  try {
    await db.query('begin');
    const probes = await db.query<{ id: string; extension: string }>(
      `insert into realtime.messages (topic, extension, private, event, payload)
       values ($1, 'broadcast', true, 'authorization', '{}'), ($1, 'presence', true, 'authorization', '{}') returning id, extension`, [topic]);
    await db.query(
      `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('request.jwt.claim.sub', $3, true),
              set_config('request.jwt.claim.role', $1, true), set_config('realtime.topic', $4, true)`,
      [claims.role, JSON.stringify(claims), claims.sub ?? '', topic]);
    const can: Record<string, boolean> = {};
    for (const probe of probes.rows) {
      await db.query('savepoint probe');
      try {
        const seen = await db.query('select 1 from realtime.messages where id = $1', [probe.id]);
        can[`read:${probe.extension}`] = Boolean(seen.rowCount);
      } catch {
        can[`read:${probe.extension}`] = false;
        await db.query('rollback to savepoint probe');
      }
      await db.query('savepoint probe');
      try {
        await db.query(`insert into realtime.messages (topic, extension, private, event, payload) values ($1, $2, true, 'authorization', '{}')`,
          [topic, probe.extension]);
        can[`write:${probe.extension}`] = true;
      } catch {
        can[`write:${probe.extension}`] = false;
        await db.query('rollback to savepoint probe');
      }
    }
    return {
      readBroadcast: can['read:broadcast'] ?? false, writeBroadcast: can['write:broadcast'] ?? false,
      readPresence: can['read:presence'] ?? false, writePresence: can['write:presence'] ?? false,
    };
  } finally {
    await db.query('rollback').catch(() => {});
    db.release();
  }
}

type Frame = [string | null, string | null, string, string, unknown];

interface Join {
  connection: Connection;
  topic: string;
  subTopic: string;
  joinRef: string | null;
  isPrivate: boolean;
  claims: JwtClaims;
  permissions: Permissions;
  self: boolean;
  ack: boolean;
  presenceKey: string;
  presence: Record<string, unknown> | undefined;
  expiry: NodeJS.Timeout | undefined;
}

interface Connection {
  socket: WebSocket;
  /** vsn 1.0.0 frames are JSON objects, 2.0.0 frames JSON arrays (or binary broadcast pushes). */
  objectFrames: boolean;
  apiClaims: JwtClaims;
  joins: Map<string, Join>;
}

export interface Realtime {
  handleBroadcastApi(claims: JwtClaims, req: IncomingMessage, res: ServerResponse): Promise<void>;
  dropConnections(): void;
  stop(): Promise<void>;
}

/** Decodes realtime-js 2.0.0's binary "user broadcast push" frame into the JSON frame it stands for. */
function decodeBinaryPush(data: Buffer): Frame | undefined {
  if (data.length < 7 || data[0] !== 3) return undefined;
  const lengths = [data[1]!, data[2]!, data[3]!, data[4]!, data[5]!];
  const encoding = data[6];
  let offset = 7;
  const [joinRef, ref, topic, event, metadata] = lengths.map((length) => {
    const text = data.subarray(offset, offset + length).toString('utf8');
    offset += length;
    return text;
  }) as [string, string, string, string, string];
  const body = data.subarray(offset);
  const payload = encoding === 1 ? JSON.parse(body.toString('utf8')) as unknown : Buffer.from(body);
  return [joinRef || null, ref || null, topic, 'broadcast', { type: 'broadcast', event, payload, ...(metadata ? JSON.parse(metadata) as object : {}) }];
}

/** A binary broadcast as realtime-js 2.0.0 decodes it (kind 4 "user broadcast", binary payload, no metadata). */
function encodeBinaryBroadcast(topic: string, event: string, payload: Buffer): Buffer {
  const topicBytes = Buffer.from(topic);
  const eventBytes = Buffer.from(event);
  return Buffer.concat([Buffer.from([4, topicBytes.length, eventBytes.length, 0, 0]), topicBytes, eventBytes, payload]);
}

function asFrame(message: unknown): Frame | undefined {
  if (Array.isArray(message)) return message.length === 5 && typeof message[2] === 'string' && typeof message[3] === 'string' ? message as Frame : undefined;
  if (!isObject(message) || typeof message.topic !== 'string' || typeof message.event !== 'string') return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return [text(message.join_ref), text(message.ref), message.topic, message.event, message.payload];
}

/** `/realtime/v1/websocket`: Phoenix channels as realtime-js 2.x speaks them (broadcast, presence, private channels). */
export function startRealtime(ctx: StandInContext, server: Server, latencyMs: () => number, onMessage: () => void): Realtime {
  const sockets = new WebSocketServer({ noServer: true });
  const connections = new Set<Connection>();
  const joinsByTopic = new Map<string, Set<Join>>();

  function send(connection: Connection, frame: Frame) {
    const [join_ref, ref, topic, event, payload] = frame;
    const data = isObject(payload) && Buffer.isBuffer(payload.payload) && !connection.objectFrames
      ? encodeBinaryBroadcast(topic, String(payload.event), payload.payload)
      : JSON.stringify(connection.objectFrames ? { join_ref, ref, topic, event, payload } : frame);
    const deliver = () => {
      if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(data);
    };
    const delay = latencyMs();
    if (delay > 0) setTimeout(deliver, delay);
    else deliver();
  }

  const reply = (connection: Connection, frame: Frame, status: 'ok' | 'error', response: object = {}) =>
    send(connection, [frame[0], frame[1], frame[2], 'phx_reply', { status, response }]);

  function membersOf(topic: string): Join[] {
    return [...(joinsByTopic.get(topic) ?? [])];
  }

  function presenceEntry(join: Join) {
    return { [join.presenceKey]: { metas: [join.presence] } };
  }

  function sendPresenceDiff(topic: string, joins: object, leaves: object) {
    for (const member of membersOf(topic)) {
      if (!member.permissions.readPresence) continue;
      send(member.connection, [null, null, topic, 'presence_diff', { joins, leaves }]);
    }
  }

  function leave(join: Join) {
    clearTimeout(join.expiry);
    joinsByTopic.get(join.topic)?.delete(join);
    join.connection.joins.delete(join.topic);
    if (join.presence) sendPresenceDiff(join.topic, {}, presenceEntry(join));
  }

  function closeChannel(join: Join, message: string) {
    send(join.connection, [join.joinRef, null, join.topic, 'system', { message, status: 'error', extension: 'system', channel: join.subTopic }]);
    send(join.connection, [join.joinRef, join.joinRef, join.topic, 'phx_close', {}]);
    leave(join);
  }

  function watchExpiry(join: Join) {
    clearTimeout(join.expiry);
    if (typeof join.claims.exp !== 'number') return;
    const left = join.claims.exp * 1000 - Date.now();
    // Timers cannot wait longer than about 24 days; the API keys' ten years never end within a test.
    if (left > 2 ** 31 - 1) return;
    join.expiry = setTimeout(() => closeChannel(join, 'Token has expired 0 seconds ago'), Math.max(0, left));
  }

  function claimsFrom(connection: Connection, token: unknown): { claims: JwtClaims } | { reason: string } {
    if (typeof token !== 'string' || !token) return { claims: connection.apiClaims };
    const checked = verifyJwt(token, ctx.jwtSecret);
    if ('error' in checked) return { reason: checked.error === 'expired' ? 'Token has expired 0 seconds ago' : 'Invalid JWT Token' };
    return checked;
  }

  async function join(connection: Connection, frame: Frame) {
    const [joinRef, , topic] = frame;
    const payload = isObject(frame[4]) ? frame[4] : {};
    const config = isObject(payload.config) ? payload.config : {};
    const broadcast = isObject(config.broadcast) ? config.broadcast : {};
    const presence = isObject(config.presence) ? config.presence : {};
    const who = claimsFrom(connection, payload.access_token);
    if ('reason' in who) return reply(connection, frame, 'error', { reason: who.reason });
    const subTopic = topic.replace(/^realtime:/, '');
    const isPrivate = config.private === true;
    const permissions = isPrivate ? await authorize(ctx, who.claims, subTopic) : everything;
    if (isPrivate && !permissions.readBroadcast) {
      return reply(connection, frame, 'error', { reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}` });
    }
    const previous = connection.joins.get(topic);
    if (previous) leave(previous);
    const entry: Join = {
      connection, topic, subTopic, joinRef, isPrivate, claims: who.claims, permissions,
      self: broadcast.self === true, ack: broadcast.ack === true,
      presenceKey: typeof presence.key === 'string' && presence.key ? presence.key : randomUUID(),
      presence: undefined, expiry: undefined,
    };
    connection.joins.set(topic, entry);
    if (!joinsByTopic.has(topic)) joinsByTopic.set(topic, new Set());
    joinsByTopic.get(topic)!.add(entry);
    watchExpiry(entry);
    reply(connection, frame, 'ok', { postgres_changes: [] });
    if (presence.enabled === true && permissions.readPresence) {
      const state = Object.assign({}, ...membersOf(topic).filter((member) => member.presence).map(presenceEntry)) as object;
      send(connection, [joinRef, null, topic, 'presence_state', state]);
    }
  }

  function relay(topic: string, isPrivate: boolean, message: object, from?: Join) {
    for (const member of membersOf(topic)) {
      if (member.isPrivate !== isPrivate || !member.permissions.readBroadcast) continue;
      if (member === from && !from.self) continue;
      send(member.connection, [null, null, topic, 'broadcast', message]);
    }
  }

  async function refreshToken(entry: Join, token: unknown) {
    const who = claimsFrom(entry.connection, token);
    if ('reason' in who) return closeChannel(entry, who.reason);
    entry.claims = who.claims;
    if (entry.isPrivate) {
      entry.permissions = await authorize(ctx, who.claims, entry.subTopic);
      if (!entry.permissions.readBroadcast) {
        return closeChannel(entry, `Unauthorized: You do not have permissions to read from this Channel topic: ${entry.subTopic}`);
      }
    }
    watchExpiry(entry);
  }

  async function handle(connection: Connection, frame: Frame) {
    const [, , topic, event, payload] = frame;
    if (topic === 'phoenix' && event === 'heartbeat') return reply(connection, frame, 'ok');
    if (event === 'phx_join') return join(connection, frame);
    const entry = connection.joins.get(topic);
    if (!entry) return reply(connection, frame, 'error', { reason: 'unmatched topic' });
    const body = isObject(payload) ? payload : {};
    if (event === 'phx_leave') {
      leave(entry);
      return reply(connection, frame, 'ok');
    }
    if (event === 'access_token') return refreshToken(entry, body.access_token);
    if (event === 'broadcast') {
      if (!entry.permissions.writeBroadcast) return entry.ack ? reply(connection, frame, 'error', { reason: 'Unauthorized' }) : undefined;
      relay(topic, entry.isPrivate, { type: 'broadcast', event: body.event, payload: body.payload }, entry);
      return entry.ack ? reply(connection, frame, 'ok') : undefined;
    }
    if (event === 'presence') {
      if (!entry.permissions.writePresence) return reply(connection, frame, 'error', { reason: 'Unauthorized' });
      const leaves = entry.presence ? presenceEntry(entry) : {};
      if (body.event === 'track') {
        entry.presence = { ...(isObject(body.payload) ? body.payload : {}), phx_ref: randomUUID() };
        sendPresenceDiff(topic, presenceEntry(entry), leaves);
      } else if (body.event === 'untrack' && entry.presence) {
        entry.presence = undefined;
        sendPresenceDiff(topic, {}, leaves);
      }
      return reply(connection, frame, 'ok');
    }
    reply(connection, frame, 'error', { reason: `unknown event ${event}` });
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const key = url.searchParams.get('apikey') ?? req.headers.apikey;
    const checked = typeof key === 'string' && (key === ctx.anonKey || key === ctx.serviceRoleKey) ? verifyJwt(key, ctx.jwtSecret) : undefined;
    if (url.pathname !== '/realtime/v1/websocket' || !checked || 'error' in checked) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = { socket: ws, objectFrames: url.searchParams.get('vsn') === '1.0.0', apiClaims: checked.claims, joins: new Map() };
      connections.add(connection);
      let queue = Promise.resolve();
      ws.on('message', (data: RawData, isBinary) => {
        onMessage();
        const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        let frame: Frame | undefined;
        try {
          frame = isBinary ? decodeBinaryPush(raw) : asFrame(JSON.parse(raw.toString('utf8')));
        } catch {
          frame = undefined;
        }
        if (!frame) return;
        const parsed = frame;
        // One message at a time per connection, in order, as a Phoenix channel process handles them.
        queue = queue.then(() => handle(connection, parsed)).catch(() => reply(connection, parsed, 'error', { reason: 'internal error' }));
      });
      ws.on('close', () => {
        connections.delete(connection);
        for (const entry of [...connection.joins.values()]) leave(entry);
      });
      ws.on('error', () => {});
    });
  }
  server.on('upgrade', onUpgrade);

  // realtime.send() in the database: base-schema.sql notifies on channel `realtime` with the new row's id at commit.
  const listener = new pg.Client({ connectionString: ctx.databaseUrl });
  listener.on('error', () => {});
  const listening = listener.connect().then(() => listener.query('listen realtime'));
  listener.on('notification', (notification) => {
    void (async () => {
      const note = JSON.parse(notification.payload ?? '{}') as { id?: string; topic?: string; event?: string; private?: boolean };
      if (!note.id || !note.topic) return;
      const found = await ctx.pool.query<{ payload: unknown; event: string }>('select payload, event from realtime.messages where id = $1', [note.id]);
      const row = found.rows[0];
      if (!row) return;
      relay(`realtime:${note.topic}`, note.private === true, { type: 'broadcast', event: row.event, payload: row.payload, meta: { id: note.id } });
    })().catch(() => {});
  });

  return {
    async handleBroadcastApi(claims, req, res) {
      const body = await readJson(req);
      const messages = isObject(body) && Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
      for (const message of messages) {
        const topic = typeof message.topic === 'string' ? message.topic : '';
        const isPrivate = message.private === true;
        if (isPrivate && !(await authorize(ctx, claims, topic)).writeBroadcast) {
          return sendJson(res, 401, { message: `Unauthorized: You do not have permissions to write to this Channel topic: ${topic}` });
        }
        relay(`realtime:${topic}`, isPrivate, { type: 'broadcast', event: message.event, payload: message.payload });
      }
      sendJson(res, 202, {});
    },
    dropConnections() {
      for (const connection of connections) connection.socket.terminate();
    },
    async stop() {
      server.off('upgrade', onUpgrade);
      for (const connection of connections) connection.socket.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await listening.catch(() => {});
      await listener.end().catch(() => {});
    },
  };
}
