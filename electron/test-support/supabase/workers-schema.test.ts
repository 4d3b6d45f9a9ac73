import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useSupabaseDatabase } from './schema-helpers';

// supabase/migrations' worker queue (#16) on a real PostgreSQL: leases, SKIP LOCKED claims from several
// connections at once, retries up to the attempt limit and the dead list, and who may do what.

const { admin, makeUser, beginAs, as, device, makeProject, addMember } = useSupabaseDatabase();

const email = (who: string) => `${who}-${randomUUID()}@example.com`;

interface ClaimedJob {
  job_id: string;
  video_id: string;
  project_id: string;
  batch_slug: string;
  source_type: string;
  source_url: string | null;
  storage_path: string | null;
  options: Record<string, unknown>;
  attempt: number;
  max_attempts: number;
}

function call<T>(user: string, sql: string, params: unknown[]): Promise<T> {
  return as(user, async (c) => (await c.query(sql, params)).rows[0]?.result as T);
}

const enqueue = (user: string, video: string, options: Record<string, unknown> = {}, priority = 0) =>
  call<string>(user, 'select public.enqueue_job($1, $2, $3) as result', [video, JSON.stringify(options), priority]);
const claim = (user: string, worker: string, lease = 60) =>
  call<ClaimedJob | null>(user, 'select public.claim_job($1, $2) as result', [worker, lease]);
const heartbeat = (user: string, job: string, worker: string, progress: number) =>
  call<boolean>(user, 'select public.heartbeat_job($1, $2, $3) as result', [job, worker, progress]);
const complete = (user: string, job: string, worker: string, probe: Record<string, unknown> | null = null) =>
  call<boolean>(user, 'select public.complete_job($1, $2, $3) as result', [job, worker, probe && JSON.stringify(probe)]);
const fail = (user: string, job: string, worker: string, error: string, retryable: boolean) =>
  call<string | null>(user, 'select public.fail_job($1, $2, $3, $4) as result', [job, worker, error, retryable]);

async function job(id: string) {
  const { rows } = await admin().query('select * from public.processing_jobs where id = $1', [id]);
  return rows[0];
}
async function video(id: string) {
  const { rows } = await admin().query('select * from public.videos where id = $1', [id]);
  return rows[0];
}
/** Ends a job's lease or retry wait now, as time passing would. */
async function makeDue(id: string): Promise<void> {
  await admin().query(
    "update public.processing_jobs set lease_expires_at = now() - interval '1 second', run_after = now() where id = $1",
    [id],
  );
}

/** A project with an owner, an editor and a worker, and `count` Loom videos (no upload needed) in its batch. */
async function team(count = 1) {
  const owner = await makeUser(email('owner'));
  const editor = await makeUser(email('editor'));
  const worker = await makeUser(email('worker'));
  const p = await makeProject(owner);
  await addMember(p.project, editor, 'editor');
  await addMember(p.project, worker, 'worker');
  const videos = Array.from({ length: count }, () => randomUUID());
  const d = p.device;
  const result = await d.push(
    videos.map((id, i) =>
      d.change('videos', 'upsert', id, {
        project_id: p.project,
        batch_id: p.batch,
        name: `loom ${i}`,
        source_type: 'loom',
        source_url: `https://www.loom.com/share/${randomUUID().replaceAll('-', '')}`,
      }),
    ),
  );
  expect(result.rejected).toEqual([]);
  return { ...p, owner, editor, worker, videos };
}

describe('the team queue', () => {
  it('queues a video once and shows it as pending; only owners and editors may queue', async () => {
    const t = await team();
    const viewer = await makeUser(email('viewer'));
    await addMember(t.project, viewer, 'viewer');

    const id = await enqueue(t.editor, t.videos[0]!, { sampling: { every_ms: 1000 } }, 5);
    expect(await enqueue(t.owner, t.videos[0]!)).toBe(id);
    expect(await job(id)).toMatchObject({ status: 'pending', priority: 5, attempt: 0, source_type: 'loom' });
    expect(await video(t.videos[0]!)).toMatchObject({ status: 'pending' });
    await expect(enqueue(viewer, t.videos[0]!)).rejects.toThrow('This video is not in a project you can edit');
    await expect(enqueue(t.worker, t.videos[0]!)).rejects.toThrow('This video is not in a project you can edit');
    // A direct video is queued only once its upload is whole.
    await expect(enqueue(t.owner, t.video)).rejects.toThrow('The video has not finished uploading');
    const path = `${t.project}/videos/${t.video}/walk.mp4`;
    await t.device.push([t.device.change('videos', 'upsert', t.video, { storage_path: path })]);
    await as(t.owner, (c) =>
      c.query("insert into storage.objects (bucket_id, name, owner_id) values ('videos', $1, $2)", [path, t.owner]),
    );
    expect(await enqueue(t.owner, t.video)).toEqual(expect.any(String));
  });

  it('hands jobs to workers of the project, highest priority first, and to nobody else', async () => {
    const t = await team(3);
    const outsider = await makeUser(email('outsider'));
    await enqueue(t.owner, t.videos[0]!, {}, 0);
    const urgent = await enqueue(t.owner, t.videos[1]!, {}, 10);
    await enqueue(t.owner, t.videos[2]!, {}, 0);

    expect(await claim(outsider, 'rogue')).toBeNull();
    expect(await claim(t.editor, 'desk')).toBeNull();
    const first = await claim(t.worker, 'worker-1', 120);
    expect(first).toMatchObject({
      job_id: urgent,
      video_id: t.videos[1],
      project_id: t.project,
      batch_slug: 'batch-1',
      source_type: 'loom',
      attempt: 1,
      max_attempts: 3,
    });
    expect(await video(t.videos[1]!)).toMatchObject({ status: 'processing', worker_id: 'worker-1' });
    const claimed = [first!.job_id, (await claim(t.worker, 'worker-1'))!.job_id, (await claim(t.worker, 'worker-1'))!.job_id];
    expect(new Set(claimed).size).toBe(3);
    expect(await claim(t.worker, 'worker-1')).toBeNull();
  });

  it('never gives one job to two workers claiming at once', async () => {
    const t = await team(12);
    for (const v of t.videos) await enqueue(t.owner, v);
    const workers = await Promise.all(Array.from({ length: 4 }, () => admin().connect()));
    try {
      const claims = await Promise.all(
        workers.map(async (client, n) => {
          const mine: string[] = [];
          for (;;) {
            await beginAs(client, t.worker);
            const { rows } = await client.query('select public.claim_job($1, 60) as result', [`worker-${n}`]);
            await client.query('commit');
            if (!rows[0].result) return mine;
            mine.push(rows[0].result.job_id);
          }
        }),
      );
      const all = claims.flat();
      expect(all).toHaveLength(12);
      expect(new Set(all).size).toBe(12);
    } finally {
      for (const client of workers) client.release();
    }
  });

  it('extends a live lease, and takes a job back from a worker whose lease ran out', async () => {
    const t = await team();
    const id = await enqueue(t.owner, t.videos[0]!);
    const first = (await claim(t.worker, 'worker-a', 30))!;
    const before = (await job(id)).lease_expires_at as Date;
    expect(await heartbeat(t.worker, id, 'worker-a', 0.4)).toBe(true);
    expect(((await job(id)).lease_expires_at as Date).getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(await video(t.videos[0]!)).toMatchObject({ processing_progress: 0.4 });
    expect(await claim(t.worker, 'worker-b')).toBeNull();

    await makeDue(id);
    const second = (await claim(t.worker, 'worker-b'))!;
    expect(second).toMatchObject({ job_id: first.job_id, attempt: 2 });
    expect(await heartbeat(t.worker, id, 'worker-a', 0.9)).toBe(false);
    expect(await complete(t.worker, id, 'worker-a')).toBe(false);
    expect(await fail(t.worker, id, 'worker-a', 'late', true)).toBeNull();

    expect(await complete(t.worker, id, 'worker-b', { duration_ms: 4000, width: 1280, height: 720 })).toBe(true);
    expect(await job(id)).toMatchObject({ status: 'done', processing_progress: 1, worker_id: 'worker-b' });
    expect(await video(t.videos[0]!)).toMatchObject({ status: 'done', processing_progress: 1, width: 1280, height: 720 });
  });

  it('retries a failing job up to its attempt limit, then moves it to dead with its last error', async () => {
    const t = await team(2);
    const id = await enqueue(t.owner, t.videos[0]!);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const claimed = await claim(t.worker, 'worker-a');
      expect(claimed).toMatchObject({ job_id: id, attempt });
      const status = await fail(t.worker, id, 'worker-a', `This file is not a video (attempt ${attempt})`, true);
      expect(status).toBe(attempt < 3 ? 'failed' : 'dead');
      // Waiting for its retry: not claimable until it is due.
      if (attempt < 3) {
        expect(await claim(t.worker, 'worker-a')).toBeNull();
        await makeDue(id);
      }
    }
    expect(await job(id)).toMatchObject({ status: 'dead', processing_error: 'This file is not a video (attempt 3)' });
    expect(await video(t.videos[0]!)).toMatchObject({ status: 'failed', processing_error: expect.stringContaining('not a video') });
    expect(await claim(t.worker, 'worker-a')).toBeNull();

    const other = await enqueue(t.owner, t.videos[1]!);
    await claim(t.worker, 'worker-a');
    expect(await fail(t.worker, other, 'worker-a', 'Loom says this video is private', false)).toBe('dead');
  });

  it('moves a job to dead when its worker stops answering on the last attempt', async () => {
    const t = await team();
    const id = await enqueue(t.owner, t.videos[0]!, { max_attempts: 1 });
    await claim(t.worker, 'worker-a', 5);
    await makeDue(id);
    expect(await claim(t.worker, 'worker-b')).toBeNull();
    expect(await job(id)).toMatchObject({ status: 'dead', processing_error: 'The worker processing it stopped responding' });
  });

  it('lets the desktop retry a dead job and discard a running one', async () => {
    const t = await team();
    const id = await enqueue(t.owner, t.videos[0]!, { max_attempts: 1 });
    await claim(t.worker, 'worker-a');
    await fail(t.worker, id, 'worker-a', 'broken', true);
    await expect(call(t.worker, 'select public.retry_job($1)', [id])).rejects.toThrow('not in a project you can edit');
    await call(t.editor, 'select public.retry_job($1)', [id]);
    expect(await job(id)).toMatchObject({ status: 'pending', attempt: 0, processing_error: null });

    await claim(t.worker, 'worker-a');
    await call(t.editor, 'select public.discard_job($1)', [id]);
    expect(await job(id)).toMatchObject({ status: 'cancelled' });
    expect(await heartbeat(t.worker, id, 'worker-a', 0.5)).toBe(false);
    expect(await video(t.videos[0]!)).toMatchObject({ status: 'cancelled' });
  });

  it('lets a worker write frames and their files but nothing else', async () => {
    const t = await team();
    const w = device(t.worker);
    const frame = randomUUID();
    const framePath = `${t.project}/batch-1/${t.videos[0]}/frame_000001.jpg`;
    const result = await w.push([
      w.change('frames', 'upsert', frame, {
        project_id: t.project,
        batch_id: t.batch,
        video_id: t.videos[0],
        frame_index: 0,
        timestamp_ms: 0,
        width: 640,
        height: 360,
        storage_path: framePath,
        thumb_path: `${t.project}/thumbs/batch-1/${t.videos[0]}/frame_000001.jpg`,
      }),
      w.change('annotations', 'upsert', t.annotation, { note: 'worker' }),
      w.change('videos', 'upsert', t.videos[0]!, { name: 'renamed' }),
    ]);
    expect(result.applied).toEqual([1]);
    expect(result.rejected.map((r) => r.code)).toEqual(['forbidden', 'forbidden']);
    await as(t.worker, (c) =>
      c.query("insert into storage.objects (bucket_id, name, owner_id) values ('frames', $1, $2)", [framePath, t.worker]),
    );
    await expect(
      as(t.worker, (c) =>
        c.query("insert into storage.objects (bucket_id, name, owner_id) values ('videos', $1, $2)", [
          `${t.project}/videos/x/y.mp4`,
          t.worker,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      as(t.worker, (c) => c.query("update public.processing_jobs set status = 'done'")),
    ).rejects.toThrow(/permission denied/);
  });
});
