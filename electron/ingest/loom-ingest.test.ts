import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job, Video } from '../../shared/domain';
import { listFrames } from '../library/frames';
import { listBatches } from '../library/batches';
import { getJob } from '../library/jobs';
import { createProject } from '../library/projects';
import { getVideo, listVideos } from '../library/videos';
import { startLoomStandIn, type LoomStandIn } from '../loom/loom-stand-in';
import { cli } from '../test-support/run-cli';
import { mediaDir, openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { ingestFiles } from './ingest';

const options = { sampling: { mode: 'every' as const, seconds: 5 }, jpegQuality: 3 };
let standIn: LoomStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

const share = (id: string) => `https://www.loom.com/share/${id}?sid=abc`;

describe('importing Loom links', () => {
  it('turns share and folder links into videos that download, extract and leave nothing in tmp/', async () => {
    standIn = await startLoomStandIn({ mediaDir });
    const services = openTestServices({ startQueue: true, ingest: { loom: { baseUrl: standIn.baseUrl } } });
    const project = createProject(services.db, 'Recordings');
    const result = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id,
      batch: { newName: 'Loom' },
      paths: [],
      links: [share(standIn.ids.cutHalfway ?? ''), `https://www.loom.com/share/folder/${standIn.ids.folder}`, 'https://www.loom.com/share/not-an-id'],
      options,
    });
    expect(result.videos.at(-1)?.error?.message).toBe(
      'That is not a Loom link. A Loom link looks like https://www.loom.com/share/0123456789abcdef0123456789abcdef.',
    );
    expect(standIn.requests.some((line) => line.includes('not-an-id'))).toBe(false);
    const added = result.videos.filter((item) => item.video);
    expect(added.length).toBe(4);
    services.queue.wake();
    const jobs = await services.queue.waitFor(result.jobIds);
    expect(jobs.map((job) => job.status)).toEqual(['done', 'done', 'done', 'done']);

    const videos = listVideos(services.db, result.batch.id);
    expect(videos.every((video) => video.sourceType === 'loom' && video.frameCount > 0 && video.width !== null)).toBe(true);
    expect(standIn.requests.some((line) => line.includes('range=bytes='))).toBe(true);
    const row = services.db.prepare('SELECT source_url, source_metadata FROM videos WHERE id = ?').get(videos[0]?.id ?? '') as {
      source_url: string;
      source_metadata: string;
    };
    expect(row.source_url).toBe(`https://www.loom.com/share/${standIn.ids.cutHalfway}`);
    expect(JSON.parse(row.source_metadata)).toMatchObject({ loomId: standIn.ids.cutHalfway, title: videos[0]?.name });
    expect(listFrames(services.db, result.batch.id, 0, 100).total).toBeGreaterThan(4);
    expect(readdirSync(services.paths.tmp)).toEqual([]);

    const again = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id, batch: { existingId: result.batch.id }, paths: [], links: [share(standIn.ids.cutHalfway ?? '')], options,
    });
    expect(again.videos[0]?.duplicateOf).toBe(videos[0]?.id);
  });

  it('reports a missing or private video at once, and refuses a malformed link before any request', async () => {
    standIn = await startLoomStandIn({ mediaDir });
    const services = openTestServices({ ingest: { loom: { baseUrl: standIn.baseUrl } } });
    const project = createProject(services.db, 'Errors');
    const links = [share(standIn.ids.notFound ?? ''), share(standIn.ids.unauthorized ?? '')];
    // Nothing to import: refused whole, with no empty batch left behind.
    await expect(
      ingestFiles(services.db, services.ingestSettings, { projectId: project.id, batch: { newName: 'B' }, paths: [], links, options }),
    ).rejects.toThrow(`Nothing was imported: “${links[0]}”: This Loom video was not found, or it is private. (and 1 more`);
    const result = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'B' }, paths: [], links: [...links, share(standIn.ids.ok2)], options,
    });
    expect(result.videos.map((item) => item.error?.message ?? null)).toEqual([
      'This Loom video was not found, or it is private.',
      expect.stringContaining('Loom refused access'),
      null,
    ]);
    expect(listBatches(services.db, project.id).map((batch) => batch.name)).toEqual(['B']);
    const before = standIn.requests.length;
    await expect(
      ingestFiles(services.db, services.ingestSettings, { projectId: project.id, batch: { newName: 'C' }, paths: [], links: ['http://loom.com.evil.io/share/x'], options }),
    ).rejects.toThrow('That is not a Loom link.');
    expect(standIn.requests.length).toBe(before);
  });

  it('shows on the job that Loom is limiting requests while its Retry-After is waited out, and clears it once the download moves', async () => {
    standIn = await startLoomStandIn({ mediaDir, retryAfterSeconds: 1 });
    const services = openTestServices({ startQueue: true, ingest: { loom: { baseUrl: standIn.baseUrl } } });
    const seen: Job[] = [];
    let duringWait: { job: Job; video: Video } | null = null;
    services.events.on('job.updated', (job) => {
      seen.push(job);
      if (job.notice !== null && duringWait === null) duringWait = { job: getJob(services.db, job.id), video: getVideo(services.db, job.videoId) };
    });
    const project = createProject(services.db, 'Limited');
    const result = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'L' }, paths: [], links: [share(standIn.ids.rateLimited)], options,
    });
    services.queue.wake();
    const [job] = await services.queue.waitFor(result.jobIds);

    const notice = 'Loom is limiting requests; retrying in 1 s.';
    expect(duringWait).toMatchObject({ job: { status: 'processing', notice }, video: { status: 'processing', notice } });
    const warned = seen.findIndex((update) => update.notice !== null);
    const resumed = seen.findIndex((update, index) => index > warned && update.status === 'processing' && update.notice === null);
    expect(resumed, 'progress after the wait clears the warning while the job still runs').toBeGreaterThan(warned);
    expect(seen[resumed]?.progress).toBeGreaterThan(0);
    expect(job).toMatchObject({ status: 'done', notice: null });
    expect(getVideo(services.db, job?.videoId ?? '')).toMatchObject({ status: 'done', notice: null });
  });

  it('cancels a job that is waiting out a rate limit at once, without its warning', async () => {
    // Loom asks for ten minutes; Stillframe waits at most a minute, and a cancel must not wait even that.
    standIn = await startLoomStandIn({ mediaDir, retryAfterSeconds: 600 });
    const services = openTestServices({ startQueue: true, ingest: { loom: { baseUrl: standIn.baseUrl } } });
    const project = createProject(services.db, 'Limited');
    const result = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'L' }, paths: [], links: [share(standIn.ids.rateLimited)], options,
    });
    const warned = new Promise<Job>((resolve) => services.events.on('job.updated', (job) => job.notice && resolve(job)));
    services.queue.wake();
    expect(await warned).toMatchObject({ notice: 'Loom is limiting requests; retrying in 60 s.' });
    services.queue.cancel(result.jobIds[0] ?? '');
    const [job] = await services.queue.waitFor(result.jobIds);
    expect(job).toMatchObject({ status: 'cancelled', notice: null });
    expect(readdirSync(services.paths.tmp)).toEqual([]);
  });

  it('accepts Loom links wherever `stillframe ingest` accepts files', async () => {
    standIn = await startLoomStandIn({ mediaDir });
    const { code, out } = await cli(
      ['ingest', share(standIn.ids.ok2 ?? ''), `${mediaDir}/milk.mkv`, '--library', tempLibraryDir(), '--project', 'Mixed', '--batch', 'Both', '--json'],
      { LOOM_BASE_URL: standIn.baseUrl },
    );
    expect(code).toBe(0);
    const { videos } = JSON.parse(out) as { videos: { file: string; status: string; frames: number }[] };
    expect(videos.map((video) => [video.file, video.status, video.frames])).toEqual([
      [share(standIn.ids.ok2 ?? ''), 'done', 2],
      [`${mediaDir}/milk.mkv`, 'done', 2],
    ]);
  });
});
