import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { asRole } from './as-role';
import type { StandInContext } from './context';
import type { JwtClaims } from './jwt';
import { checkedKey, commitObject, requireBucket, storageErrorFrom } from './storage';

/** One TUS upload in progress: what its creation said, and where its bytes so far are. */
interface Upload {
  id: string;
  bucket: string;
  name: string;
  length: number;
  upsert: boolean;
  contentType: string;
  cacheControl: string;
  owner: string | undefined;
  file: string;
}

const tusHeaders = { 'tus-resumable': '1.0.0' };

function tusError(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { ...tusHeaders, 'content-type': 'text/plain' }).end(message);
}

/** `Upload-Metadata: key base64,key base64`, as tus-js-client sends bucketName, objectName, contentType, cacheControl. */
function parseMetadata(header: string | undefined): Map<string, string> {
  const entries = new Map<string, string>();
  for (const pair of (header ?? '').split(',')) {
    const [key, value] = pair.trim().split(' ');
    if (key) entries.set(key, value ? Buffer.from(value, 'base64').toString('utf8') : '');
  }
  return entries;
}

const uploadsByContext = new WeakMap<StandInContext, Map<string, Upload>>();

function uploadsOf(ctx: StandInContext): Map<string, Upload> {
  let uploads = uploadsByContext.get(ctx);
  if (!uploads) uploadsByContext.set(ctx, (uploads = new Map()));
  return uploads;
}

/** Storage checks, when an upload is created, that the caller could make the object (a rolled-back insert as them). */
async function checkMayCreate(ctx: StandInContext, claims: JwtClaims, upload: Upload) {
  const probe = new Error('probe');
  await asRole(ctx.pool, claims, async (db) => {
    const existing = await db.query('select 1 from storage.objects where bucket_id = $1 and name = $2', [upload.bucket, upload.name]);
    if (existing.rowCount && !upload.upsert) {
      await db.query(`insert into storage.objects (bucket_id, name) values ($1, $2)`, [upload.bucket, upload.name]);
    }
    if (!existing.rowCount) {
      await db.query('insert into storage.objects (bucket_id, name, owner, owner_id) values ($1, $2, $3::uuid, $3::text)',
        [upload.bucket, upload.name, claims.sub ?? null]);
    }
    throw probe;
  }).catch((error: unknown) => {
    if (error !== probe) throw error;
  });
}

async function create(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, base: string) {
  const length = Number(req.headers['upload-length']);
  if (!Number.isSafeInteger(length) || length < 0) return tusError(res, 400, 'Upload-Length is missing or not a whole number of bytes.');
  const metadata = parseMetadata(req.headers['upload-metadata'] as string | undefined);
  const bucket = metadata.get('bucketName') ?? '';
  const name = checkedKey(metadata.get('objectName') ?? '');
  await requireBucket(ctx, bucket);
  const folder = path.join(ctx.storageDir, 'resumable');
  await mkdir(folder, { recursive: true });
  const upload: Upload = {
    id: Buffer.from(`${bucket}/${name}/${randomUUID()}`).toString('base64url'),
    bucket, name, length,
    upsert: req.headers['x-upsert'] === 'true',
    contentType: metadata.get('contentType') ?? 'application/octet-stream',
    cacheControl: metadata.get('cacheControl') ? `max-age=${metadata.get('cacheControl')}` : 'no-cache',
    owner: claims.sub,
    file: path.join(folder, randomUUID()),
  };
  await checkMayCreate(ctx, claims, upload);
  await writeFile(upload.file, '');
  uploadsOf(ctx).set(upload.id, upload);
  const location = `${base}/${upload.id}`;
  // creation-with-upload: the first bytes may come with the creation request.
  if (req.headers['content-type'] === 'application/offset+octet-stream') {
    req.headers['upload-offset'] = '0';
    return append(ctx, claims, req, res, upload, { status: 201, location });
  }
  res.writeHead(201, { ...tusHeaders, location, 'upload-offset': '0' }).end();
}

async function offsetOf(upload: Upload): Promise<number> {
  return stat(upload.file).then((info) => info.size, () => 0);
}

async function append(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, upload: Upload,
  answer: { status: number; location?: string } = { status: 204 }) {
  if (claims.sub !== upload.owner) return tusError(res, 403, 'This upload belongs to someone else.');
  if (req.headers['content-type'] !== 'application/offset+octet-stream') {
    return tusError(res, 415, 'Content-Type must be application/offset+octet-stream.');
  }
  const offset = await offsetOf(upload);
  if (Number(req.headers['upload-offset']) !== offset) return tusError(res, 409, `Upload-Offset must be ${offset}.`);
  // Whatever arrives before a connection breaks is kept, so the client resumes from it.
  await pipeline(req, createWriteStream(upload.file, { flags: 'a' })).catch(() => {});
  const written = await offsetOf(upload);
  if (written > upload.length) return tusError(res, 413, 'More bytes than Upload-Length.');
  if (written === upload.length) {
    // The whole upload becomes the object by a rename; if the caller may not make it, the bytes stay for a retry.
    const hash = createHash('md5');
    for await (const chunk of createReadStream(upload.file)) hash.update(chunk as Buffer);
    await commitObject(ctx, claims, {
      bucket: upload.bucket, name: upload.name, upsert: upload.upsert,
      bytes: { file: upload.file, size: written, etag: `"${hash.digest('hex')}"` },
      contentType: upload.contentType, cacheControl: upload.cacheControl,
    });
    uploadsOf(ctx).delete(upload.id);
  }
  if (!res.destroyed) {
    res.writeHead(answer.status, { ...tusHeaders, 'upload-offset': String(written), ...(answer.location ? { location: answer.location } : {}) }).end();
  }
}

/** `/storage/v1/upload/resumable`: TUS 1.0.0 (creation, offsets, resume, termination) as Supabase Storage speaks it. */
export async function handleResumable(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, route: string, url: URL) {
  try {
    const base = `http://${req.headers.host ?? url.host}/storage/v1/upload/resumable`;
    const id = route.slice('/upload/resumable'.length).replace(/^\//, '');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...tusHeaders, 'tus-version': '1.0.0', 'tus-extension': 'creation,creation-with-upload,termination' }).end();
      return;
    }
    if (!id && req.method === 'POST') return await create(ctx, claims, req, res, base);
    const upload = uploadsOf(ctx).get(id);
    if (!upload) return tusError(res, 404, 'Upload not found');
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...tusHeaders, 'upload-offset': String(await offsetOf(upload)), 'upload-length': String(upload.length), 'cache-control': 'no-store' }).end();
      return;
    }
    if (req.method === 'PATCH') return await append(ctx, claims, req, res, upload);
    if (req.method === 'DELETE') {
      uploadsOf(ctx).delete(id);
      await rm(upload.file, { force: true });
      res.writeHead(204, tusHeaders).end();
      return;
    }
    tusError(res, 405, 'Method not allowed');
  } catch (error) {
    const known = storageErrorFrom(error);
    if (!known || res.headersSent) throw error;
    tusError(res, known.statusCode, known.message);
  }
}
