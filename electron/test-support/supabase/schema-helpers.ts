import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { startSupabaseDatabase, type SupabaseDatabase } from './postgres';

// For SQL tests of supabase/migrations: a fresh database per test file, and calls made as PostgREST makes them,
// as the `authenticated` (or `anon`) role with the caller's JWT claims, so row-level security is Postgres's.

export interface PushResult {
  applied: number[];
  rejected: { op_id: number; code: string; message: string }[];
  seq: number;
}
export interface PulledRow {
  table: string;
  id: string;
  seq: number;
  deleted_at: string | null;
  row: Record<string, unknown>;
}
export interface PullResult {
  rows: PulledRow[];
  next: number;
  more: boolean;
  role: string | null;
}
export type Change = { op_id: number; table: string; op: 'upsert' | 'delete'; id: string; row?: Record<string, unknown> };

/** Starts a database for the calling test file and answers helpers that act on it. */
export function useSupabaseDatabase() {
  let db: SupabaseDatabase | undefined;
  beforeAll(async () => {
    db = await startSupabaseDatabase();
  });
  afterAll(async () => {
    await db?.stop();
  });
  const admin = (): pg.Pool => {
    if (!db) throw new Error('The test database is not started yet');
    return db.admin;
  };

  async function makeUser(email: string): Promise<string> {
    const { rows } = await admin().query<{ id: string }>(
      'insert into auth.users (email, encrypted_password) values ($1, $2) returning id',
      [email, 'not used here'],
    );
    return rows[0]!.id;
  }

  async function beginAs(client: pg.ClientBase, user: string | null): Promise<void> {
    await client.query('begin');
    const role = user ? 'authenticated' : 'anon';
    await client.query(`set local role ${role}`);
    await client.query("select set_config('request.jwt.claims', $1, true)", [
      JSON.stringify(user ? { sub: user, role } : { role }),
    ]);
  }

  /** Runs `work` in one transaction as `user` (null: anon), as a request through the API would. */
  async function as<T>(user: string | null, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await admin().connect();
    try {
      await beginAs(client, user);
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
  }

  function push(user: string, clientId: string, changes: Change[]): Promise<PushResult> {
    return as(user, async (client) => {
      const { rows } = await client.query('select public.push_changes($1, $2) as result', [
        clientId,
        JSON.stringify(changes),
      ]);
      return rows[0].result as PushResult;
    });
  }

  function pull(user: string | null, projectId: string, afterSeq = 0, maxRows = 1000): Promise<PullResult> {
    return as(user, async (client) => {
      const { rows } = await client.query('select public.pull_changes($1, $2, $3) as result', [
        projectId,
        afterSeq,
        maxRows,
      ]);
      return rows[0].result as PullResult;
    });
  }

  async function pullAll(user: string, projectId: string, afterSeq = 0, pageSize = 2): Promise<PulledRow[]> {
    const all: PulledRow[] = [];
    let cursor = afterSeq;
    for (;;) {
      const page = await pull(user, projectId, cursor, pageSize);
      all.push(...page.rows);
      cursor = page.next;
      if (!page.more) return all;
    }
  }

  /** A device: its client id and increasing op ids. */
  function device(user: string) {
    const clientId = randomUUID();
    let opId = 0;
    const change = (table: string, op: 'upsert' | 'delete', id: string, row?: Record<string, unknown>): Change => ({
      op_id: ++opId,
      table,
      op,
      id,
      ...(row ? { row } : {}),
    });
    return {
      clientId,
      user,
      change,
      push: (changes: Change[]) => push(user, clientId, changes),
    };
  }

  /** A project with one of everything, made through push_changes by `owner`. */
  async function makeProject(owner: string) {
    const d = device(owner);
    const ids = {
      project: randomUUID(),
      batch: randomUUID(),
      video: randomUUID(),
      frame: randomUUID(),
      label: randomUUID(),
      annotation: randomUUID(),
    };
    const framePath = `${ids.project}/batch-1/${ids.video}/frame_000001.jpg`;
    const result = await d.push([
      d.change('projects', 'upsert', ids.project, { name: 'Site survey' }),
      d.change('batches', 'upsert', ids.batch, { project_id: ids.project, name: 'Batch 1', slug: 'batch-1', position: 0 }),
      d.change('videos', 'upsert', ids.video, {
        project_id: ids.project,
        batch_id: ids.batch,
        name: 'walk.mp4',
        batch_name: 'Batch 1',
        source_type: 'direct',
        size_bytes: 1000,
        content_hash: 'abc',
        status: 'done',
      }),
      d.change('frames', 'upsert', ids.frame, {
        project_id: ids.project,
        batch_id: ids.batch,
        video_id: ids.video,
        frame_index: 0,
        timestamp_ms: 0,
        width: 640,
        height: 360,
        storage_path: framePath,
        thumb_path: `${ids.project}/thumbs/batch-1/${ids.video}/frame_000001.jpg`,
      }),
      d.change('labels', 'upsert', ids.label, { project_id: ids.project, name: 'Crack', color: '#ff0000', hotkey: 1 }),
      d.change('annotations', 'upsert', ids.annotation, {
        project_id: ids.project,
        frame_id: ids.frame,
        label_id: ids.label,
        type: 'rectangle',
        points: [1, 2, 30, 40],
      }),
    ]);
    expect(result.rejected).toEqual([]);
    return { ...ids, device: d, framePath };
  }

  async function addMember(projectId: string, userId: string, role: string): Promise<void> {
    await admin().query('insert into public.project_members (project_id, user_id, role) values ($1, $2, $3)', [
      projectId,
      userId,
      role,
    ]);
  }

  async function annotation(id: string): Promise<Record<string, unknown>> {
    const { rows } = await admin().query('select * from public.annotations where id = $1', [id]);
    return rows[0];
  }

  return { admin, makeUser, beginAs, as, push, pull, pullAll, device, makeProject, addMember, annotation };
}
