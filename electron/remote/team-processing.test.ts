import { describe, expect, it } from 'vitest';
import { startLoomStandIn } from '../loom/loom-stand-in';
import { mediaDir } from '../test-support/temp-library';
import type { WorkerStats } from '../../shared/monitoring-contract';
import type { RemoteJob } from '../../shared/worker-contract';
import { realClip } from '../media/test-clips';
import { cli } from '../test-support/run-cli';
import { deviceWithSyncedProject, testPassword } from '../test-support/sync-devices';
import { supabaseForThisFile } from '../test-support/supabase/for-this-file';
import type { TestSupabase } from '../test-support/supabase/stand-in';
import { makeClips, signedInUser, spawnWorker, teamPassword } from '../test-support/team-queue';

let supabase: TestSupabase;
supabaseForThisFile((started) => (supabase = started));

/**
 * A device whose project has a worker and a joined channel, and a video it sent to the team's workers, now waiting
 * for one; `row` reads that video's row as the app shows it.
 */
async function liveUploadForWorkers(projectName: string, batchName: string) {
  const { device, project } = await deviceWithSyncedProject(supabase, projectName);
  const worker = await signedInUser(supabase, 'worker');
  await supabase.admin.query(`insert into public.project_members (project_id, user_id, role) values ($1, $2, 'worker')`, [project.id, worker.userId]);
  device.services.sync.start();
  device.services.team.start();
  await expect.poll(() => device.services.sync.live.joined(project.id), { timeout: 10_000 }).toBe(true);
  const result = await device.api.invoke('ingest.start', {
    projectId: project.id, batch: { newName: batchName }, paths: [realClip('milk.mkv')], options: { sampling: { mode: 'every', seconds: 1 }, jpegQuality: 3 }, processOn: 'team-workers',
  });
  await device.services.team.uploadsSettled();
  const row = async () => (await device.api.invoke('videos.list', { batchId: result.batch.id }))[0];
  await expect.poll(async () => (await row())?.team?.jobStatus, { timeout: 10_000 }).toBe('pending');
  return { device, project, worker, row };
}

describe('stillframe ingest --remote and jobs --remote', () => {
  it('uploads, queues for the team, a worker processes it, and the next sync brings the frames here', async () => {
    const { email, device, project } = await deviceWithSyncedProject(supabase, 'Warehouse');
    const worker = await signedInUser(supabase, 'worker');
    await supabase.admin.query(`insert into public.project_members (project_id, user_id, role) values ($1, $2, 'worker')`, [project.id, worker.userId]);

    const loom = await startLoomStandIn({ mediaDir });
    const env = { SUPABASE_URL: supabase.url, SUPABASE_ANON_KEY: supabase.anonKey, STILLFRAME_EMAIL: email, STILLFRAME_PASSWORD: testPassword, LOOM_BASE_URL: loom.baseUrl };
    const [clip] = await makeClips(1, 3);
    const notVideo = import.meta.filename;
    const loomLink = `https://www.loom.com/share/${loom.ids.ok2}`;
    const ingest = await cli(['ingest', loomLink, realClip('milk.mkv'), clip ?? '', notVideo, '--project', 'Warehouse', '--batch', 'Dock', '--every', '0.5', '--remote', '--json', '--library', device.libraryDir], env);
    const videos = (JSON.parse(ingest.out) as { videos: { file: string; status: string; error: string | null }[] }).videos;
    expect(videos.map((video) => video.status)).toEqual(['queued', 'queued', 'queued', 'failed']);
    expect(videos[3]?.error).toBe('This file is not a video that FFmpeg can read.');
    expect(ingest.code).toBe(1);
    const { rows: objects } = await supabase.admin.query(`select name, (metadata ->> 'size')::bigint as size from storage.objects where bucket_id = 'videos' and name like $1 || '/%'`, [project.id]);
    // The two files went up whole; the Loom video is fetched from Loom by the worker, not uploaded from here.
    expect(objects.length).toBe(2);

    const queued = await cli(['jobs', '--remote', '--json', '--library', device.libraryDir], env);
    expect((JSON.parse(queued.out) as { jobs: RemoteJob[] }).jobs.map((job) => job.status)).toEqual(['pending', 'pending', 'pending']);

    const run = spawnWorker(supabase, worker.email, ['--until-idle'], { STILLFRAME_PASSWORD: teamPassword, LOOM_BASE_URL: loom.baseUrl });
    expect(await run.exited).toBe(0);
    await loom.close();
    expect(run.jobs.map((line) => line.outcome)).toEqual(['done', 'done', 'done']);

    const listed = await cli(['jobs', '--remote', '--json', '--project', 'Warehouse', '--library', device.libraryDir], env);
    const jobs = (JSON.parse(listed.out) as { jobs: RemoteJob[] }).jobs;
    expect(jobs.map((job) => [job.status, job.processing_progress, job.worker_id !== null])).toEqual(Array(3).fill(['done', 1, true]));
    expect(new Set(jobs.filter((job) => job.source_type === 'direct').map((job) => job.video_name))).toEqual(new Set(['milk.mkv', 'clip-01.mkv']));
    expect(jobs.filter((job) => job.source_type === 'loom').length).toBe(1);
    const text = await cli(['jobs', '--remote', '--library', device.libraryDir], env);
    expect(text.out).toContain(jobs[0]?.worker_id ?? 'worker');
    // Monitoring's figures per worker come from the same queue.
    const stats = JSON.parse((await cli(['stats', '--json', '--library', device.libraryDir], env)).out) as { workers: WorkerStats[] };
    expect(stats.workers.map((worker) => [worker.worker_id, worker.jobs.done, worker.processing_ms.p50 !== null])).toEqual([[jobs[0]?.worker_id, 3, true]]);

    expect((await cli(['sync', '--library', device.libraryDir], env)).code).toBe(0);
    const frames = await cli(['frames', '--project', 'Warehouse', '--batch', 'Dock', '--json', '--library', device.libraryDir], env);
    const pulled = (JSON.parse(frames.out) as { frames: { video_id: string }[] }).frames;
    expect(pulled.length).toBe(run.jobs.reduce((sum, line) => sum + line.frames, 0));
  }, 120_000);

  it('shows a dead job on its video row with Retry and Discard, as the local queue does', async () => {
    const { device, project } = await deviceWithSyncedProject(supabase, 'Quay');
    device.services.team.start();
    const result = await device.api.invoke('ingest.start', {
      projectId: project.id, batch: { newName: 'Cranes' }, paths: [realClip('milk.mkv')], options: { sampling: { mode: 'every', seconds: 1 }, jpegQuality: 3 }, processOn: 'team-workers',
    });
    await device.services.team.uploadsSettled();
    const batchId = result.batch.id;
    // No local job: the work is the team's.
    expect(await device.api.invoke('jobs.list', {})).toEqual([]);
    const row = async () => (await device.api.invoke('videos.list', { batchId }))[0];
    await expect.poll(async () => (await row())?.team?.jobStatus, { timeout: 10_000 }).toBe('pending');
    expect((await row())?.notice).toBe('Waiting for a team worker');

    // The sync that a job's end starts is slow (a slow network), so a person may press Retry before it is done: the row
    // must go on following the job, not stop at what the read before that sync said.
    const sync = device.services.sync;
    const run = sync.run.bind(sync);
    sync.run = async (projectId) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return run(projectId);
    };
    // Its worker gave up on it for the last time.
    await supabase.admin.query(`update public.processing_jobs set status = 'dead', processing_error = 'FFmpeg stopped before it finished reading this video. The file may be damaged.' where project_id = $1`, [project.id]);
    await expect.poll(async () => (await row())?.team?.jobStatus, { timeout: 10_000 }).toBe('dead');
    const dead = await row();
    expect(dead?.team?.error).toBe('FFmpeg stopped before it finished reading this video. The file may be damaged.');

    await device.api.invoke('team.retry', { jobId: dead?.team?.jobId ?? '' });
    expect((await row())?.team?.jobStatus).toBe('pending');
    await supabase.admin.query(`update public.processing_jobs set status = 'dead' where project_id = $1`, [project.id]);
    await expect.poll(async () => (await row())?.team?.jobStatus, { timeout: 10_000 }).toBe('dead');
    await device.api.invoke('team.discard', { jobId: dead?.team?.jobId ?? '' });
    expect((await row())?.team?.jobStatus).toBe('cancelled');
  }, 60_000);

  it('follows a job that a teammate puts back on the queue from their own machine', async () => {
    const { project, worker, row } = await liveUploadForWorkers('Slipway', 'Berths');
    const teammate = await signedInUser(supabase, 'teammate');
    await supabase.admin.query(`insert into public.project_members (project_id, user_id, role) values ($1, $2, 'editor')`, [project.id, teammate.userId]);

    // A worker gives up on it; this machine sees it dead, and nothing of the project is left for it to follow.
    const claimed = await worker.client.rpc('claim_job', { worker_id: 'slip-worker', lease_seconds: 60 });
    const jobId = String((claimed.data as { job_id: string }).job_id);
    expect((await worker.client.rpc('fail_job', { job_id: jobId, worker_id: 'slip-worker', error: 'The file may be damaged.', retryable: false })).data).toBe('dead');
    await expect.poll(async () => (await row())?.team?.jobStatus, { timeout: 10_000 }).toBe('dead');

    // The teammate presses Retry on their machine: the row here shows the job back on the queue, then taken.
    expect((await teammate.client.rpc('retry_job', { job_id: jobId })).error).toBeNull();
    await expect.poll(async () => (await row())?.team?.jobStatus, { timeout: 10_000 }).toBe('pending');
    await worker.client.rpc('claim_job', { worker_id: 'slip-worker', lease_seconds: 60 });
    await expect.poll(async () => (await row())?.notice, { timeout: 10_000 }).toBe('Processing on team worker slip-worker');
  }, 60_000);

  it('reads the team’s queue only when its channel announces a change, while the channel is joined', async (ctx) => {
    // Counting requests needs the stand-in; a real project does not tell.
    const standIn = supabase.standIn;
    if (!standIn) return ctx.skip();
    const { worker, row } = await liveUploadForWorkers('Harbour', 'Piers');

    // Once the announcements of the import's own pushes are answered, nothing asks for the queue while nothing changes
    // on it: a poll every second would ask in every 2 s window, and this would never pass.
    const quietWindow = async () => {
      standIn.resetStats();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return standIn.requestsTo('/rest/v1/processing_jobs');
    };
    await expect.poll(quietWindow, { timeout: 20_000, interval: 0 }).toBe(0);

    // A worker takes the job and reports half of it done: both arrive through the channel.
    const claimed = await worker.client.rpc('claim_job', { worker_id: 'dock-worker', lease_seconds: 60 });
    expect(claimed.error).toBeNull();
    const jobId = String((claimed.data as { job_id: string }).job_id);
    expect((await worker.client.rpc('heartbeat_job', { job_id: jobId, worker_id: 'dock-worker', progress: 0.5 })).error).toBeNull();
    await expect.poll(async () => [(await row())?.team?.jobStatus, (await row())?.team?.progress], { timeout: 20_000 }).toEqual(['processing', 0.5]);
    expect((await row())?.notice).toBe('Processing on team worker dock-worker');
  }, 60_000);
});
