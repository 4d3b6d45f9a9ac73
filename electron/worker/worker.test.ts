import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClip } from '../media/test-clips';
import { startLoomStandIn } from '../loom/loom-stand-in';
import { mediaDir } from '../test-support/temp-library';
import { supabaseForTests, type TestSupabase } from '../test-support/supabase/stand-in';
import { makeClips, queueLoomVideo, queueUploadedVideo, signedInUser, spawnWorker, teamProject } from '../test-support/team-queue';
import { frameIdFor } from './frame-ids';

// `stillframe worker` processes run against the Supabase stand-in (real PostgreSQL, the migrations' queue) with real
// FFmpeg; each test checks what the team would see in the database and in Storage afterwards.

let supabase: TestSupabase;
let clips: string[];
const options = { sampling: { mode: 'every', seconds: 0.5 }, jpegQuality: 5 };

beforeAll(async () => {
  [supabase, clips] = await Promise.all([supabaseForTests(), makeClips(11)]);
}, 120_000);

afterAll(async () => {
  await supabase?.stop();
});

async function framesOf(videoId: string) {
  const { rows } = await supabase.admin.query(
    'select id, frame_index, storage_path, thumb_path from public.frames where video_id = $1 and deleted_at is null order by frame_index',
    [videoId],
  );
  return rows as { id: string; frame_index: number; storage_path: string; thumb_path: string }[];
}

async function objectsOf(projectId: string, videoId: string): Promise<string[]> {
  const { rows } = await supabase.admin.query(
    `select name from storage.objects where bucket_id = 'frames' and name like $1 || '/%' and name like '%' || $2 || '/%' order by name`,
    [projectId, videoId],
  );
  return rows.map((row: { name: string }) => row.name);
}

async function jobRow(jobId: string) {
  const { rows } = await supabase.admin.query(
    'select j.status, j.attempt, j.processing_error, v.status as video_status, v.processing_progress from public.processing_jobs j join public.videos v on v.id = j.video_id where j.id = $1',
    [jobId],
  );
  return rows[0] as { status: string; attempt: number; processing_error: string | null; video_status: string; processing_progress: number };
}

/** Every frame once: one row per position, with the id fixed by video and position, and its image and thumbnail once. */
async function expectFramesOnce(projectId: string, videoId: string, count: number) {
  const frames = await framesOf(videoId);
  expect(frames.map((frame) => frame.frame_index)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(frames.every((frame) => frame.id === frameIdFor(videoId, frame.frame_index))).toBe(true);
  const objects = await objectsOf(projectId, videoId);
  expect(objects).toEqual([...frames.map((frame) => frame.storage_path), ...frames.map((frame) => frame.thumb_path)].sort());
}

describe('team workers on one queue', () => {
  it('three workers process twelve videos, each exactly once, every frame present once', async () => {
    const owner = await signedInUser(supabase, 'owner');
    const workers = await Promise.all([1, 2, 3].map((n) => signedInUser(supabase, `worker${n}`)));
    const project = await teamProject(supabase, owner.client, workers.map((w) => w.userId));
    const queued = [];
    for (const file of [realClip('milk.mkv'), ...clips]) queued.push(await queueUploadedVideo(project, file, options));

    // The first worker runs two jobs at a time in one process.
    const processes = workers.map((w, i) => spawnWorker(supabase, w.email, ['--until-idle', '--lease', '20', ...(i === 0 ? ['--concurrency', '2'] : [])]));
    expect(await Promise.all(processes.map((p) => p.exited))).toEqual([0, 0, 0]);

    const lines = processes.flatMap((p) => p.jobs);
    expect(lines.map((line) => line.outcome)).toEqual(Array(12).fill('done'));
    expect(new Set(lines.map((line) => line.video_id)).size).toBe(12);
    // The work was shared out: no single worker took the whole queue.
    expect(processes.filter((p) => p.jobs.length > 0).length).toBeGreaterThan(1);
    for (const { videoId, jobId } of queued) {
      expect(await jobRow(jobId)).toMatchObject({ status: 'done', attempt: 1, video_status: 'done', processing_progress: 1 });
      const line = lines.find((item) => item.video_id === videoId);
      expect(line?.frames).toBeGreaterThan(0);
      await expectFramesOnce(project.projectId, videoId, line?.frames ?? 0);
    }
  }, 120_000);

  it('a worker SIGKILLed mid-job: another reclaims the job after its lease and finishes it with nothing duplicated', async () => {
    const owner = await signedInUser(supabase, 'owner');
    const worker = await signedInUser(supabase, 'worker');
    const project = await teamProject(supabase, owner.client, [worker.userId]);
    const [long] = await makeClips(1, 30);
    const { videoId, jobId } = await queueUploadedVideo(project, long ?? '', { sampling: { mode: 'every', seconds: 0.1 }, jpegQuality: 5 });

    const first = spawnWorker(supabase, worker.email, ['--lease', '3']);
    // Killed at a random point after the job is under way: while extracting, or once some frames are in Storage.
    const killAtObjects = Math.random() < 0.5 ? 0 : 1 + Math.floor(Math.random() * 200);
    for (;;) {
      const row = await jobRow(jobId);
      const objects = (await objectsOf(project.projectId, videoId)).length;
      if (row.status === 'processing' && row.processing_progress > 0 && objects >= killAtObjects) break;
      if (row.status === 'done') throw new Error('The job finished before the worker could be killed; make the clip longer.');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.jobs).toEqual([]);
    expect((await jobRow(jobId)).status).toBe('processing');

    const second = spawnWorker(supabase, worker.email, ['--until-idle', '--lease', '3']);
    expect(await second.exited).toBe(0);
    expect(second.jobs.map((line) => [line.outcome, line.attempt])).toEqual([['done', 2]]);
    expect(await jobRow(jobId)).toMatchObject({ status: 'done', attempt: 2, video_status: 'done' });
    await expectFramesOnce(project.projectId, videoId, second.jobs[0]?.frames ?? 0);
  }, 120_000);

  it('SIGTERM hands the running job back when it cannot finish in time, and the next worker completes it', async () => {
    const owner = await signedInUser(supabase, 'owner');
    const worker = await signedInUser(supabase, 'worker');
    const project = await teamProject(supabase, owner.client, [worker.userId]);
    const [long] = await makeClips(1, 30);
    const { videoId, jobId } = await queueUploadedVideo(project, long ?? '', { sampling: { mode: 'every', seconds: 0.1 }, jpegQuality: 5 });
    const first = spawnWorker(supabase, worker.email, ['--lease', '30'], { STILLFRAME_WORKER_GRACE_SECONDS: '0' });
    while ((await jobRow(jobId)).processing_progress <= 0) await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.jobs.map((line) => [line.outcome, line.error])).toEqual([
      ['handed-back', 'The worker was stopped before it finished; the job went back to the queue.'],
    ]);
    expect((await jobRow(jobId)).status).toBe('failed');

    const second = spawnWorker(supabase, worker.email, ['--until-idle']);
    expect(await second.exited).toBe(0);
    expect(second.jobs.map((line) => [line.outcome, line.attempt])).toEqual([['done', 2]]);
    await expectFramesOnce(project.projectId, videoId, second.jobs[0]?.frames ?? 0);
  }, 120_000);

  it('a file that is not a video fails with its message, is retried up to its limit, then is dead', async () => {
    const owner = await signedInUser(supabase, 'owner');
    const worker = await signedInUser(supabase, 'worker');
    const project = await teamProject(supabase, owner.client, [worker.userId]);
    const notes = path.join(tmpdir(), `notes-${process.pid}.mkv`);
    writeFileSync(notes, 'Shopping list: milk, bottles, a car.\n'.repeat(50));
    const { jobId } = await queueUploadedVideo(project, notes, { ...options, max_attempts: 2 });

    const run = spawnWorker(supabase, worker.email, ['--until-idle', '--lease', '10']);
    expect(await run.exited).toBe(0);
    const message = 'This file is not a video that FFmpeg can read.';
    expect(run.jobs.map((line) => [line.outcome, line.attempt, line.error])).toEqual([
      ['failed', 1, message],
      ['dead', 2, message],
    ]);
    expect(await jobRow(jobId)).toMatchObject({ status: 'dead', attempt: 2, processing_error: message, video_status: 'failed' });
  }, 60_000);

  it('processes a Loom job, downloading it from Loom through a rate limit', async () => {
    const loom = await startLoomStandIn({ mediaDir, retryAfterSeconds: 1 });
    try {
      const owner = await signedInUser(supabase, 'owner');
      const worker = await signedInUser(supabase, 'worker');
      const project = await teamProject(supabase, owner.client, [worker.userId]);
      const { videoId, jobId } = await queueLoomVideo(project, loom.ids.rateLimited, options);
      const run = spawnWorker(supabase, worker.email, ['--until-idle'], { LOOM_BASE_URL: loom.baseUrl });
      expect(await run.exited).toBe(0);
      expect(run.jobs.map((line) => line.outcome)).toEqual(['done']);
      expect(run.stderr()).toContain('Loom is limiting requests');
      expect(await jobRow(jobId)).toMatchObject({ status: 'done', video_status: 'done' });
      await expectFramesOnce(project.projectId, videoId, run.jobs[0]?.frames ?? 0);
      expect(loom.requests.some((line) => line.includes(loom.ids.rateLimited))).toBe(true);
    } finally {
      await loom.close();
    }
  }, 60_000);

  it('a worker that is not a member of the project claims nothing', async () => {
    const owner = await signedInUser(supabase, 'owner');
    const stranger = await signedInUser(supabase, 'stranger');
    const project = await teamProject(supabase, owner.client, []);
    const { jobId, videoId } = await queueUploadedVideo(project, realClip('milk.mkv'), options);
    const run = spawnWorker(supabase, stranger.email, ['--until-idle']);
    expect(await run.exited).toBe(0);
    expect(run.jobs).toEqual([]);
    expect(await jobRow(jobId)).toMatchObject({ status: 'pending', attempt: 0 });
    expect(await framesOf(videoId)).toEqual([]);
  }, 60_000);

  it('refuses to start without its account, in words', async () => {
    const run = spawnWorker(supabase, '', [], { STILLFRAME_PASSWORD: '' });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('A worker needs STILLFRAME_EMAIL, STILLFRAME_PASSWORD in its environment');
  });
});
