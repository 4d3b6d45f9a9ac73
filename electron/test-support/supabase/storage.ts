import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { asRole, isPgError } from './as-role';
import type { StandInContext } from './context';
import { BadBody, isObject, readJson, sendJson } from './http';
import { signJwt, verifySignature, type JwtClaims } from './jwt';
import { MultipartFile } from './multipart';

/**
 * Supabase Storage answers every error it knows with HTTP 400 (500 for its own faults) and puts the real status in
 * the body's `statusCode`, so that is where a client tells "already exists" (409) from "not found" (404) or "denied" (403).
 */
export class StorageError extends Error {
  constructor(readonly statusCode: number, readonly code: string, readonly error: string, message: string) {
    super(message);
  }
}

export const storageErrors = {
  duplicate: () => new StorageError(409, 'ResourceAlreadyExists', 'Duplicate', 'The resource already exists'),
  notFound: () => new StorageError(404, 'NoSuchKey', 'not_found', 'Object not found'),
  noBucket: () => new StorageError(404, 'NoSuchBucket', 'Bucket not found', 'Bucket not found'),
  denied: () => new StorageError(403, 'AccessDenied', 'Unauthorized', 'new row violates row-level security policy'),
  invalidKey: (key: string) => new StorageError(400, 'InvalidKey', 'Invalid Input', `Invalid key: ${key}`),
};

export function sendStorageError(res: ServerResponse, error: StorageError): void {
  sendJson(res, error.statusCode === 500 ? 500 : 400, {
    statusCode: String(error.statusCode), code: error.code, error: error.error, message: error.message,
  });
}

/** A Postgres refusal in Storage's words. */
export function storageErrorFrom(error: unknown): StorageError | undefined {
  if (error instanceof StorageError) return error;
  if (!isPgError(error)) return undefined;
  if (error.code === '23505') return storageErrors.duplicate();
  if (error.code === '42501') return storageErrors.denied();
  return new StorageError(500, 'DatabaseError', 'internal', error.message);
}

export function checkedKey(name: string): string {
  const segments = name.split('/');
  if (!name || name.startsWith('/') || segments.some((segment) => segment === '..' || segment === '.' || segment === '') || name.includes('\0')) {
    throw storageErrors.invalidKey(name);
  }
  return name;
}

export function objectFile(ctx: StandInContext, bucket: string, name: string): string {
  return path.join(ctx.storageDir, 'objects', encodeURIComponent(bucket), ...checkedKey(name).split('/'));
}

export async function requireBucket(ctx: StandInContext, bucket: string): Promise<void> {
  const found = await ctx.pool.query('select 1 from storage.buckets where id = $1', [bucket]);
  if (!found.rowCount) throw storageErrors.noBucket();
}

export interface StoredBytes {
  file: string;
  size: number;
  etag: string;
}

/** Streams `source` into a fresh temporary file, hashing as it goes; the caller renames it into place or removes it. */
export async function writeTemp(ctx: StandInContext, source: NodeJS.ReadableStream, extra: Transform[] = []): Promise<StoredBytes> {
  const folder = path.join(ctx.storageDir, 'tmp');
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, randomUUID());
  const hash = createHash('md5');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline([source, ...extra, counter, createWriteStream(file)]);
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { file, size, etag: `"${hash.digest('hex')}"` };
}

export interface ObjectWrite {
  bucket: string;
  name: string;
  upsert: boolean;
  contentType: string;
  cacheControl: string;
  bytes: StoredBytes;
}

/** Records the object as the caller (RLS decides), moves its bytes into place, and answers like Storage. */
export async function commitObject(ctx: StandInContext, claims: JwtClaims, write: ObjectWrite): Promise<{ Id: string; Key: string }> {
  const metadata = {
    eTag: write.bytes.etag, size: write.bytes.size, mimetype: write.contentType, cacheControl: write.cacheControl,
    lastModified: new Date().toISOString(), contentLength: write.bytes.size, httpStatusCode: 200,
  };
  const target = objectFile(ctx, write.bucket, write.name);
  const id = await asRole(ctx.pool, claims, async (db) => {
    const conflict = write.upsert
      ? 'on conflict (bucket_id, name) do update set metadata = excluded.metadata, owner = excluded.owner, owner_id = excluded.owner_id'
      : '';
    const inserted = await db.query<{ id: string }>(
      `insert into storage.objects (bucket_id, name, owner, owner_id, metadata) values ($1, $2, $3, $4, $5) ${conflict} returning id`,
      [write.bucket, write.name, claims.sub ?? null, claims.sub ?? null, JSON.stringify(metadata)]);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(write.bytes.file, target);
    return inserted.rows[0]!.id;
  });
  return { Id: id, Key: `${write.bucket}/${write.name}` };
}

function uploadBody(req: IncomingMessage): { transforms: Transform[]; contentType: () => string } {
  const type = req.headers['content-type'] ?? 'application/octet-stream';
  const boundary = /^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!boundary) return { transforms: [], contentType: () => type };
  const file = new MultipartFile(boundary[1] ?? boundary[2]!);
  return { transforms: [file], contentType: () => file.contentType ?? 'application/octet-stream' };
}

async function upload(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, bucket: string, name: string) {
  checkedKey(name);
  await requireBucket(ctx, bucket);
  // POST creates (x-upsert opts into overwriting); PUT is Storage's update, which overwrites.
  const upsert = req.method === 'PUT' || req.headers['x-upsert'] === 'true';
  const body = uploadBody(req);
  const bytes = await writeTemp(ctx, req, body.transforms);
  try {
    const answer = await commitObject(ctx, claims, {
      bucket, name, upsert, bytes, contentType: body.contentType(),
      cacheControl: String(req.headers['cache-control'] ?? 'no-cache'),
    });
    sendJson(res, 200, answer);
  } finally {
    await rm(bytes.file, { force: true });
  }
}

interface ObjectRow {
  id: string;
  name: string;
  bucket_id: string;
  metadata: Record<string, unknown> | null;
  created_at?: string;
  updated_at?: string;
  last_accessed_at?: string;
  version?: string;
  user_metadata?: unknown;
}

/** The object as the caller may see it (RLS on select), or Storage's not-found. */
async function visibleObject(ctx: StandInContext, claims: JwtClaims, bucket: string, name: string): Promise<ObjectRow> {
  checkedKey(name);
  const found = await asRole(ctx.pool, claims, (db) => db.query<{ row: ObjectRow }>(
    'select to_jsonb(o) as row from storage.objects o where bucket_id = $1 and name = $2', [bucket, name]));
  const row = found.rows[0]?.row;
  if (!row) throw storageErrors.notFound();
  return row;
}

async function download(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, bucket: string, name: string) {
  await serveObject(ctx, req, res, await visibleObject(ctx, claims, bucket, name), bucket, name);
}

async function serveObject(ctx: StandInContext, req: IncomingMessage, res: ServerResponse, row: ObjectRow, bucket: string, name: string) {
  const file = objectFile(ctx, bucket, name);
  const size = await stat(file).then((info) => info.size, () => undefined);
  if (size === undefined) throw storageErrors.notFound();
  const metadata = row.metadata ?? {};
  const headers = {
    'content-type': String(metadata.mimetype ?? 'application/octet-stream'),
    'content-length': String(size),
    'cache-control': String(metadata.cacheControl ?? 'no-cache'),
    etag: String(metadata.eTag ?? ''),
    'last-modified': new Date(String(metadata.lastModified ?? row.updated_at ?? Date.now())).toUTCString(),
  };
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(file), res);
}

async function info(ctx: StandInContext, claims: JwtClaims, res: ServerResponse, bucket: string, name: string) {
  const row = await visibleObject(ctx, claims, bucket, name);
  const metadata = row.metadata ?? {};
  sendJson(res, 200, {
    id: row.id, version: row.version ?? null, name: row.name, bucket_id: row.bucket_id, size: metadata.size ?? null,
    content_type: metadata.mimetype ?? null, cache_control: metadata.cacheControl ?? null, etag: metadata.eTag ?? null,
    metadata: row.user_metadata ?? {}, last_modified: metadata.lastModified ?? row.updated_at ?? null, created_at: row.created_at ?? null,
  });
}

async function list(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, bucket: string) {
  const body = await readJson(req);
  const options = isObject(body) ? body : {};
  const prefix = typeof options.prefix === 'string' ? options.prefix.replace(/^\/+|\/+$/g, '') : '';
  const limit = typeof options.limit === 'number' ? options.limit : 100;
  const offset = typeof options.offset === 'number' ? options.offset : 0;
  const search = typeof options.search === 'string' ? options.search.toLowerCase() : '';
  const descending = isObject(options.sortBy) && options.sortBy.order === 'desc';
  const start = prefix ? `${prefix}/` : '';
  const found = await asRole(ctx.pool, claims, (db) => db.query<{ row: ObjectRow }>(
    `select to_jsonb(o) as row from storage.objects o where bucket_id = $1 and left(name, length($2)) = $2`, [bucket, start]));
  const entries = new Map<string, object>();
  for (const { row } of found.rows) {
    const rest = row.name.slice(start.length);
    const slash = rest.indexOf('/');
    const entryName = slash < 0 ? rest : rest.slice(0, slash);
    if (search && !entryName.toLowerCase().startsWith(search)) continue;
    if (slash >= 0) {
      entries.set(entryName, { name: entryName, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null });
    } else {
      entries.set(entryName, {
        name: entryName, id: row.id, updated_at: row.updated_at ?? null, created_at: row.created_at ?? null,
        last_accessed_at: row.last_accessed_at ?? null, metadata: row.metadata,
      });
    }
  }
  const sorted = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (descending) sorted.reverse();
  sendJson(res, 200, sorted.slice(offset, offset + limit).map((key) => entries.get(key)));
}

async function remove(ctx: StandInContext, claims: JwtClaims, bucket: string, names: string[]) {
  names.forEach(checkedKey);
  // RLS on delete leaves rows the caller may not delete in place, and Storage reports only what it removed.
  const deleted = await asRole(ctx.pool, claims, (db) => db.query<{ row: ObjectRow }>(
    'delete from storage.objects o where bucket_id = $1 and name = any($2) returning to_jsonb(o) as row', [bucket, names]));
  for (const { row } of deleted.rows) await rm(objectFile(ctx, bucket, row.name), { force: true });
  return deleted.rows.map(({ row }) => row);
}

/** `POST /object/sign/<bucket>/<name>` {expiresIn}: a URL anyone may fetch until it expires, if the caller may read the object. */
async function sign(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, bucket: string, name: string) {
  const body = await readJson(req);
  const expiresIn = isObject(body) && typeof body.expiresIn === 'number' ? body.expiresIn : 60;
  const signedURL = async (objectName: string) => {
    await visibleObject(ctx, claims, bucket, objectName);
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt({ url: `${bucket}/${objectName}`, iat: now, exp: now + expiresIn } as unknown as JwtClaims, ctx.jwtSecret);
    return `/object/sign/${encodeStoragePath(`${bucket}/${objectName}`)}?token=${token}`;
  };
  if (name) return sendJson(res, 200, { signedURL: await signedURL(name) });
  const paths = isObject(body) && Array.isArray(body.paths) ? body.paths.filter((item): item is string => typeof item === 'string') : [];
  const signed = [];
  for (const path of paths) {
    try {
      signed.push({ path, signedURL: await signedURL(path), error: null });
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      signed.push({ path, signedURL: null, error: error.message });
    }
  }
  sendJson(res, 200, signed);
}

const encodeStoragePath = (key: string) => key.split('/').map(encodeURIComponent).join('/');

/**
 * The object routes that need no JWT of the caller: signed URLs (the token is the permission) and public buckets.
 * Answers and returns true when the request is one of them.
 */
export async function handleUnauthenticatedObjects(ctx: StandInContext, req: IncomingMessage, res: ServerResponse, route: string, url: URL): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const isSigned = route.startsWith('/object/sign/');
  if (!isSigned && !route.startsWith('/object/public/')) return false;
  try {
    const { bucket, name } = splitBucket(route.slice(isSigned ? '/object/sign/'.length : '/object/public/'.length));
    checkedKey(name);
    if (isSigned) {
      const checked = verifySignature(url.searchParams.get('token') ?? '', ctx.jwtSecret);
      if ('error' in checked) {
        throw new StorageError(400, 'InvalidSignature', 'InvalidSignature', checked.error === 'expired' ? 'jwt expired' : 'Invalid signature');
      }
      if (checked.claims.url !== `${bucket}/${name}`) throw new StorageError(400, 'InvalidSignature', 'InvalidSignature', 'Invalid signature');
    } else {
      const found = await ctx.pool.query('select 1 from storage.buckets where id = $1 and public', [bucket]);
      if (!found.rowCount) throw storageErrors.noBucket();
    }
    const row = await ctx.pool.query<{ row: ObjectRow }>('select to_jsonb(o) as row from storage.objects o where bucket_id = $1 and name = $2', [bucket, name]);
    if (!row.rows[0]) throw storageErrors.notFound();
    await serveObject(ctx, req, res, row.rows[0].row, bucket, name);
  } catch (error) {
    if (!(error instanceof StorageError) || res.headersSent) throw error;
    sendStorageError(res, error);
  }
  return true;
}

function splitBucket(rest: string): { bucket: string; name: string } {
  const slash = rest.indexOf('/');
  const bucket = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  const name = slash < 0 ? '' : rest.slice(slash + 1).split('/').map(decodeURIComponent).join('/');
  return { bucket, name };
}

/** `/storage/v1/object/*`: upload, download, info, list and delete, every row touched as the caller. */
export async function handleObjects(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, route: string) {
  try {
    const method = req.method ?? 'GET';
    if (route.startsWith('/object/info/')) {
      const { bucket, name } = splitBucket(route.slice('/object/info/'.length).replace(/^(authenticated|public)\//, ''));
      return await info(ctx, claims, res, bucket, name);
    }
    if (route.startsWith('/object/sign/') && method === 'POST') {
      const { bucket, name } = splitBucket(route.slice('/object/sign/'.length));
      return await sign(ctx, claims, req, res, bucket, name);
    }
    if (route.startsWith('/object/list/') && method === 'POST') {
      return await list(ctx, claims, req, res, decodeURIComponent(route.slice('/object/list/'.length)));
    }
    if (route.startsWith('/object/authenticated/') && (method === 'GET' || method === 'HEAD')) {
      const { bucket, name } = splitBucket(route.slice('/object/authenticated/'.length));
      return await download(ctx, claims, req, res, bucket, name);
    }
    if (route.startsWith('/object/')) {
      const { bucket, name } = splitBucket(route.slice('/object/'.length));
      if (method === 'POST' || method === 'PUT') return await upload(ctx, claims, req, res, bucket, name);
      if (method === 'GET' || method === 'HEAD') return await download(ctx, claims, req, res, bucket, name);
      if (method === 'DELETE' && !name) {
        const body = await readJson(req);
        const prefixes = isObject(body) && Array.isArray(body.prefixes) ? body.prefixes.filter((item): item is string => typeof item === 'string') : [];
        return sendJson(res, 200, await remove(ctx, claims, bucket, prefixes));
      }
      if (method === 'DELETE') {
        const removed = await remove(ctx, claims, bucket, [name]);
        if (!removed.length) throw storageErrors.notFound();
        return sendJson(res, 200, { message: 'Successfully deleted' });
      }
    }
    throw new StorageError(404, 'NotFound', 'Not Found', `Route ${method}:${route} not found`);
  } catch (error) {
    if (error instanceof BadBody) return sendStorageError(res, new StorageError(400, 'InvalidRequest', 'Invalid Input', error.message));
    const known = storageErrorFrom(error);
    if (known && !res.headersSent) return sendStorageError(res, known);
    throw error;
  }
}
