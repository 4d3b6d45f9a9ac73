import type { SyncTable } from '../../shared/sync-contract';
import type { BulkFrame, BulkShape } from '../library/bulk-write';
import type { Database, Row } from '../library/database';

/**
 * How each local table maps onto the server's (supabase/migrations): names, column names, value shapes. The one
 * place that knows both schemas; push, pull and apply go through it.
 */
export type Entity = 'project' | 'batch' | 'video' | 'frame' | 'label' | 'shape';

export const tableOf: Record<Entity, SyncTable> = {
  project: 'projects',
  batch: 'batches',
  video: 'videos',
  frame: 'frames',
  label: 'labels',
  shape: 'annotations',
};

export const entityOf: Record<SyncTable, Entity> = {
  projects: 'project',
  batches: 'batch',
  videos: 'video',
  frames: 'frame',
  labels: 'label',
  annotations: 'shape',
};

export const localTable: Record<Entity, string> = {
  project: 'projects',
  batch: 'batches',
  video: 'videos',
  frame: 'frames',
  label: 'labels',
  shape: 'shapes',
};

/** Parents before children: the order new rows are pushed and pulled rows applied. */
export const parentRank: Record<Entity, number> = { project: 0, batch: 1, label: 2, video: 3, frame: 4, shape: 5 };

/** The project a local row belongs to, or null when the row is gone. */
export function projectOfRow(db: Database, entity: Entity, id: string): string | null {
  const sql: Record<Entity, string> = {
    project: 'SELECT id AS p FROM projects WHERE id = ?',
    batch: 'SELECT project_id AS p FROM batches WHERE id = ?',
    label: 'SELECT project_id AS p FROM labels WHERE id = ?',
    video: 'SELECT project_id AS p FROM videos WHERE id = ?',
    frame: 'SELECT b.project_id AS p FROM frames f JOIN batches b ON b.id = f.batch_id WHERE f.id = ?',
    shape: 'SELECT b.project_id AS p FROM shapes s JOIN frames f ON f.id = s.frame_id JOIN batches b ON b.id = f.batch_id WHERE s.id = ?',
  };
  const row = db.prepare(sql[entity]).get(id);
  return row ? String(row.p) : null;
}

const json = (value: unknown): unknown => (value == null ? null : JSON.parse(String(value)));

/** A local frame path `frames/<project>/...` is the object `<project>/...`; thumbnails go under `<project>/thumbs/`. */
export function storagePathOf(localPath: string): string {
  return localPath.replace(/^frames\//, '');
}

export function thumbStoragePathOf(localThumbPath: string): string {
  const rest = localThumbPath.replace(/^thumbs\//, '');
  const slash = rest.indexOf('/');
  return `${rest.slice(0, slash)}/thumbs/${rest.slice(slash + 1)}`;
}

export function localPathOf(storagePath: string): string {
  return `frames/${storagePath}`;
}

export function localThumbPathOf(thumbStoragePath: string): string {
  return `thumbs/${thumbStoragePath.replace(/^([^/]+)\/thumbs\//, '$1/')}`;
}

/**
 * Local column → server column and value, per table. Columns missing here never leave this machine (a video's path
 * on this disk, its probe; a frame's local file paths, which move with the batch while its objects stay put).
 */
const columns: Record<Entity, Record<string, [string, (value: unknown) => unknown]>> = {
  project: { name: ['name', String] },
  batch: {
    project_id: ['project_id', String],
    name: ['name', String],
    slug: ['slug', String],
    position: ['position', (v) => v],
  },
  video: {
    project_id: ['project_id', String],
    batch_id: ['batch_id', String],
    name: ['name', String],
    source_type: ['source_type', (v) => (v === 'loom' ? 'loom' : 'direct')],
    source_url: ['source_url', (v) => v],
    source_metadata: ['source_metadata', json],
    size_bytes: ['size_bytes', (v) => v],
    content_hash: ['content_hash', (v) => v],
    status: ['status', (v) => v],
    error: ['processing_error', (v) => (v == null ? null : ((json(v) as { message?: string }).message ?? String(v)))],
    duration_ms: ['duration_ms', (v) => v],
    width: ['width', (v) => v],
    height: ['height', (v) => v],
    frame_rate: ['frame_rate', (v) => v],
    codec: ['codec', (v) => v],
    rotation: ['rotation', (v) => v],
  },
  frame: {
    video_id: ['video_id', String],
    batch_id: ['batch_id', String],
    frame_index: ['frame_index', (v) => v],
    timestamp_ms: ['timestamp_ms', (v) => v],
    width: ['width', (v) => v],
    height: ['height', (v) => v],
  },
  label: {
    project_id: ['project_id', String],
    name: ['name', String],
    color: ['color', String],
    hotkey: ['hotkey', (v) => v],
    attributes: ['attributes', json],
  },
  shape: {
    frame_id: ['frame_id', String],
    label_id: ['label_id', (v) => v],
    type: ['type', String],
    points: ['points', json],
    note: ['note', String],
    attributes: ['attributes', json],
    hidden: ['hidden', (v) => Number(v) === 1],
    locked: ['locked', (v) => Number(v) === 1],
    z_index: ['z_index', (v) => v],
  },
};

/** The local columns among `fields` that the server has. */
export function syncedFieldsOf(entity: Entity, fields: readonly string[]): string[] {
  return fields.filter((field) => field in columns[entity]);
}

/**
 * The server row for a push: only the changed columns (`fields`), or every column for a new row (null). Frames and
 * shapes always name their project, which the server's per-project sequence and row-level security key on.
 */
export function toServerRow(entity: Entity, row: Row, projectId: string, fields: readonly string[] | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [local, [server, convert]] of Object.entries(columns[entity])) {
    if (fields === null || fields.includes(local)) out[server] = convert(row[local]);
  }
  if (entity !== 'project') out.project_id = projectId;
  if (entity === 'frame' && fields === null) {
    out.storage_path = storagePathOf(String(row.path));
    out.thumb_path = thumbStoragePathOf(String(row.thumb_path));
  }
  return out;
}

const text = (value: unknown): string | null => (value == null ? null : typeof value === 'string' ? value : JSON.stringify(value));
const ms = (value: unknown): number => (value == null ? Date.now() : new Date(String(value)).getTime());

/** Local columns and values for a pulled server row (what `applyPulled` writes). */
export function toLocalRow(entity: Entity, row: Record<string, unknown>): Record<string, unknown> {
  const stamps = { created_at: ms(row.created_at), updated_at: ms(row.updated_at), server_version: row.seq ?? null };
  switch (entity) {
    case 'project':
      return { name: row.name, ...stamps };
    case 'batch':
      return { project_id: row.project_id, name: row.name, slug: row.slug, position: row.position ?? null, ...stamps };
    case 'video':
      return {
        project_id: row.project_id,
        batch_id: row.batch_id,
        name: row.name,
        source_type: row.source_type === 'loom' ? 'loom' : 'file',
        source_url: row.source_url ?? null,
        source_metadata: text(row.source_metadata),
        size_bytes: row.size_bytes ?? 0,
        content_hash: row.content_hash ?? '',
        status: row.status ?? 'done',
        error: row.processing_error == null ? null : JSON.stringify({ code: 'extraction-failed', message: row.processing_error }),
        duration_ms: row.duration_ms ?? null,
        width: row.width ?? null,
        height: row.height ?? null,
        frame_rate: row.frame_rate ?? null,
        codec: row.codec ?? null,
        rotation: row.rotation ?? null,
        ...stamps,
      };
    case 'frame':
      return {
        video_id: row.video_id,
        batch_id: row.batch_id,
        frame_index: row.frame_index,
        timestamp_ms: row.timestamp_ms,
        width: row.width,
        height: row.height,
        ...stamps,
      };
    case 'label':
      return {
        project_id: row.project_id,
        name: row.name,
        color: row.color,
        hotkey: row.hotkey ?? null,
        attributes: text(row.attributes) ?? '[]',
        ...stamps,
      };
    case 'shape':
      return {
        frame_id: row.frame_id,
        label_id: row.label_id ?? null,
        type: row.type,
        points: text(row.points),
        note: row.note ?? '',
        attributes: text(row.attributes) ?? '{}',
        hidden: row.hidden ? 1 : 0,
        locked: row.locked ? 1 : 0,
        z_index: row.z_index ?? 0,
        ...stamps,
      };
  }
}

/**
 * A pulled frame new to this library, for the bulk writer: the same columns `toLocalRow` gives, with its local file
 * paths made from its object paths (a frame already here keeps its own, which move with its batch).
 */
export function toBulkFrame(id: string, row: Record<string, unknown>): BulkFrame {
  const local = toLocalRow('frame', row);
  return {
    id,
    videoId: String(local.video_id),
    batchId: String(local.batch_id),
    index: Number(local.frame_index),
    timestampMs: Number(local.timestamp_ms),
    width: Number(local.width),
    height: Number(local.height),
    path: localPathOf(String(row.storage_path)),
    thumbPath: localThumbPathOf(String(row.thumb_path)),
    createdAt: Number(local.created_at),
    updatedAt: Number(local.updated_at),
    serverVersion: local.server_version as number | null,
  };
}

/** A pulled annotation for the bulk writer, which stores points and attributes as `toLocalRow` does, from their values. */
export function toBulkShape(id: string, row: Record<string, unknown>): BulkShape {
  const stamps = { createdAt: ms(row.created_at), updatedAt: ms(row.updated_at), serverVersion: (row.seq as number | undefined) ?? null };
  return {
    id,
    frameId: String(row.frame_id),
    labelId: (row.label_id as string | null | undefined) ?? null,
    type: row.type as BulkShape['type'],
    points: (typeof row.points === 'string' ? JSON.parse(row.points) : row.points) as number[],
    note: (row.note as string | null | undefined) ?? '',
    attributes: ((typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes) ?? {}) as BulkShape['attributes'],
    hidden: Boolean(row.hidden),
    locked: Boolean(row.locked),
    zIndex: (row.z_index as number | null | undefined) ?? 0,
    ...stamps,
  };
}
