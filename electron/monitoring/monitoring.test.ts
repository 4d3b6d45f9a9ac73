import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/monitoring-contract';
import { createProject } from '../library/projects';
import { createBatch } from '../library/batches';
import { listFrames } from '../library/frames';
import { createJob } from '../library/jobs';
import { insertVideo } from '../library/videos';
import { uuidv7 } from '../../shared/ids';
import { uploadsFolder } from '../library/uploads';
import { startLoomStandIn, type LoomStandIn } from '../loom/loom-stand-in';
import { removeTestClips, testClip } from '../media/test-clips';
import { apiClient } from '../test-support/api-client';
import { cli } from '../test-support/run-cli';
import { mediaDir, openTestServices } from '../test-support/temp-library';
import { evaluateAlerts, listAlerts, loomWindowMs, readAlertRules } from './alerts';
import { removeStaleJobTemp } from './storage';

const options = { sampling: { mode: 'every' as const, seconds: 2 }, jpegQuality: 3 };
const good = path.join(mediaDir, 'car-detection.mp4');
const share = (id: string) => `https://www.loom.com/share/${id}`;

let standIn: LoomStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});
afterAll(removeTestClips);

/** Services whose failed jobs die after two quick attempts. */
function services(extra: Parameters<typeof openTestServices>[0] = {}) {
  return openTestServices({ startQueue: true, ingest: { maxAttempts: 2, ...extra.ingest }, queue: { retryBaseMs: 5, concurrency: 1 }, ...extra });
}

async function importAndWait(s: ReturnType<typeof services>, projectId: string, batch: string, paths: string[], links: string[] = []) {
  const { invoke } = apiClient(s);
  const result = await invoke('ingest.start', { projectId, batch: { newName: batch }, paths, links, options });
  const jobIds = result.videos.map((item) => item.video?.jobId).filter((id): id is string => typeof id === 'string');
  return { result, jobs: await s.queue.waitFor(jobIds) };
}

describe('metrics', () => {
  it('after good, bad and Loom imports, count what happened: attempts, error rate, sizes and Loom requests', async () => {
    standIn = await startLoomStandIn({ mediaDir });
    const s = services({ ingest: { maxAttempts: 2, loom: { baseUrl: standIn.baseUrl } } });
    const project = createProject(s.db, 'Shelves');
    const bad = await testClip('cut-probeable.mp4');
    const { jobs } = await importAndWait(s, project.id, 'Monday', [good, bad], [share(standIn.ids.ok), share(standIn.ids.garbage)]);
    expect(jobs.map((job) => job.status).sort()).toEqual(['dead', 'dead', 'done', 'done']);

    const stats = await apiClient(s).invoke('monitoring.stats', {});
    // Two good videos done. The cut clip failed once, then died on its second and last attempt; the Loom video that is
    // not a video died at once, as a permanent failure is never retried.
    expect(stats.jobs).toEqual({ done: 2, failed: 1, dead: 2, pending: 0, processing: 0 });
    expect(stats.error_rate).toBeCloseTo(3 / 5);
    expect(stats.queue_length).toBe(0);
    expect(stats.processing_ms.p50).toBeGreaterThan(0);
    expect(stats.frames_per_second).toBeGreaterThan(0);
    expect(stats.disk.free_bytes).toBeGreaterThan(0);

    const rows = s.db.prepare("SELECT video_bytes, frames, result FROM metric_jobs WHERE result = 'done' ORDER BY video_bytes").all();
    const frames = listFrames(s.db, jobs[0]?.batchId ?? '', 0, 1000).frames;
    expect(rows.reduce((sum, row) => sum + Number(row.frames), 0)).toBe(frames.length);
    expect(rows.map((row) => Number(row.video_bytes))).toEqual([statSync(good).size, statSync(good).size]);

    // The stand-in serves car-detection.mp4 for "ok": one download of exactly that many bytes.
    expect(stats.downloads).toMatchObject({ count: 1, bytes: statSync(good).size });
    const loomRequests = standIn.requests.filter((line) => !line.startsWith('decoy'));
    expect(stats.loom.requests).toBe(loomRequests.length);
    expect(stats.loom.p95_ms).toBeGreaterThanOrEqual(0);
    expect(s.db.prepare('SELECT DISTINCT endpoint FROM metric_loom_requests').all().map((row) => row.endpoint)).toContain('GET /v1/oembed');

    const printed = await cli(['stats', '--library', s.paths.root, '--json', '--since', '1h']);
    expect(printed.code).toBe(0);
    const json = JSON.parse(printed.out) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['jobs', 'error_rate', 'processing_ms', 'frames_per_second', 'queue_length', 'disk', 'loom']));
    expect(json).toMatchObject({ jobs: stats.jobs, loom: { requests: loomRequests.length } });
    expect((await cli(['stats', '--library', s.paths.root, '--since', 'soon'])).err).toMatch(/--since needs a duration such as 30m, 24h or 7d/);
  });

  it('give charts points as jobs finish, and the estimate for a similar video is what the last one took', async () => {
    const s = services();
    const { invoke } = apiClient(s);
    const project = createProject(s.db, 'Charts');
    expect((await invoke('monitoring.estimate', { videos: [{ sizeBytes: 1000 }], sampling: options.sampling })).ms).toBeNull();
    await importAndWait(s, project.id, 'First', [good]);
    const first = s.db.prepare('SELECT processing_ms, video_duration_ms, width, height, codec FROM metric_jobs').get() as Record<string, number>;
    const traits = { sizeBytes: statSync(good).size, durationMs: first.video_duration_ms, width: first.width, height: first.height };
    const estimate = await invoke('monitoring.estimate', { videos: [traits], sampling: options.sampling });
    expect(estimate.ms).toBe(first.processing_ms);
    expect(estimate.basis).toMatch(/similar videos/);

    await importAndWait(s, project.id, 'Second', [good]);
    const actual = Number((s.db.prepare('SELECT processing_ms FROM metric_jobs ORDER BY id DESC LIMIT 1').get() as { processing_ms: number }).processing_ms);
    console.log(`estimate ${estimate.ms} ms, actual ${actual} ms (${Math.round((100 * Math.abs(actual - (estimate.ms ?? 0))) / actual)}% apart)`);
    const series = await invoke('monitoring.series', { range: 'hour' });
    expect(series.points.filter((point) => point.videosDone !== null).reduce((sum, point) => sum + (point.videosDone ?? 0), 0)).toBe(2);
    expect(series.points.some((point) => point.processingP50 !== null)).toBe(true);
    expect(series.points.some((point) => point.cpuPercent !== null && point.diskFreeBytes !== null)).toBe(true);
  });
});

describe('alerts', () => {
  it('raise one alert when jobs die, and clear it once they are discarded', async () => {
    const s = services();
    const raised: Alert[] = [];
    s.events.on('alert.raised', (alert) => raised.push(alert));
    const { invoke } = apiClient(s);
    const project = createProject(s.db, 'Broken');
    const bad = await testClip('cut-probeable.mp4');
    const copy = path.join(path.dirname(bad), 'second-bad.mp4');
    // A different file (one dropped the same file twice would be a duplicate), broken the same way.
    writeFileSync(copy, readFileSync(bad).subarray(0, -1000));
    const { jobs } = await importAndWait(s, project.id, 'Bad', [bad, copy]);
    expect(jobs.map((job) => job.status)).toEqual(['dead', 'dead']);
    const dead = raised.filter((alert) => alert.rule === 'job-dead');
    expect(dead).toHaveLength(1);
    expect(dead[0]?.advice).toMatch(/Retry or Discard/);
    expect((await invoke('monitoring.alerts', {})).active.map((alert) => alert.rule)).toContain('job-dead');

    await invoke('jobs.discard', { id: jobs[0]?.id ?? '' });
    expect((await invoke('monitoring.alerts', {})).active.map((alert) => alert.rule)).toContain('job-dead');
    await invoke('jobs.discard', { id: jobs[1]?.id ?? '' });
    const after = await invoke('monitoring.alerts', {});
    expect(after.active.map((alert) => alert.rule)).not.toContain('job-dead');
    expect(after.recent.find((alert) => alert.rule === 'job-dead')?.clearedAt).not.toBeNull();
    expect(raised.filter((alert) => alert.rule === 'job-dead')).toHaveLength(1);
  });

  it('say Loom is limiting requests, once, and clear when Loom has answered well for five minutes', async () => {
    standIn = await startLoomStandIn({ mediaDir });
    const s = services({ ingest: { maxAttempts: 2, loom: { baseUrl: standIn.baseUrl } } });
    const raised: Alert[] = [];
    s.events.on('alert.raised', (alert) => raised.push(alert));
    const project = createProject(s.db, 'Loom');
    const { jobs } = await importAndWait(s, project.id, 'Limited', [], [share(standIn.ids.rateLimited)]);
    expect(jobs.map((job) => job.status)).toEqual(['done']);
    expect(raised.filter((alert) => alert.rule === 'loom').map((alert) => alert.message)).toEqual([
      'Loom is limiting how often Stillframe may ask; Loom imports are slowed down.',
    ]);
    expect((await apiClient(s).invoke('monitoring.stats', {})).loom.errors).toBe(1);
    const later = { now: Date.now() + loomWindowMs + 1, diskFreeBytes: null, queuedNeedBytes: 0, queueRemainingMs: 0 };
    expect(evaluateAlerts(s.db, readAlertRules(s.db), later).changed).toBe(true);
    expect(listAlerts(s.db).active).toEqual([]);
  });

  it('say the disk is low when the threshold is above the free space, and stop once it is not', async () => {
    const s = services();
    const raised: Alert[] = [];
    s.events.on('alert.raised', (alert) => raised.push(alert));
    const { invoke } = apiClient(s);
    const rules = await invoke('monitoring.rules', {});
    expect(rules.diskLow.enabled).toBe(true);
    const freeGb = (s.monitoring.diskFree() ?? 0) / 1e9;
    await invoke('monitoring.setRules', { ...rules, diskLow: { enabled: true, minFreeGb: Math.ceil(freeGb) + 100 } });
    const low = (await invoke('monitoring.alerts', {})).active.find((alert) => alert.rule === 'disk-low');
    expect(low?.message).toMatch(/free on the library’s disk/);
    await invoke('monitoring.setRules', rules);
    await invoke('monitoring.setRules', { ...rules, diskLow: { enabled: true, minFreeGb: Math.ceil(freeGb) + 100 } });
    expect(raised.filter((alert) => alert.rule === 'disk-low')).toHaveLength(2);
    await invoke('monitoring.setRules', rules);
    expect((await invoke('monitoring.alerts', {})).active).toEqual([]);
    expect((await apiClient(s).attempt('monitoring.setRules', { ...rules, backlog: { enabled: true, maxVideos: -1, maxMinutes: 5 } })).ok).toBe(false);
  });
});

describe('storage', () => {
  it('counts space per batch, and a clean-up removes exactly the orphans and nothing a frame, shape or job needs', async () => {
    const s = services();
    const { invoke } = apiClient(s);
    const project = createProject(s.db, 'Storage');
    // An uploaded copy, as the browser host keeps one, that is extracted in full.
    const upload = path.join(uploadsFolder(s.paths), '0192b7f0-0000-7000-8000-000000000001', 'car.mp4');
    mkdirSync(path.dirname(upload), { recursive: true });
    copyFileSync(good, upload);
    const { jobs } = await importAndWait(s, project.id, 'Kept', [upload]);
    expect(jobs[0]?.status).toBe('done');
    const batchId = jobs[0]?.batchId ?? '';
    const frames = listFrames(s.db, batchId, 0, 1000).frames;
    expect(frames.length).toBeGreaterThan(3);

    const usage = await invoke('storage.usage', {});
    const batch = usage.projects[0]?.batches[0];
    expect(batch).toMatchObject({ name: 'Kept', frames: frames.length, sourceBytes: statSync(upload).size });
    expect(batch?.frameBytes).toBe(frames.reduce((sum, frame) => sum + statSync(path.join(s.paths.root, frame.path)).size, 0));
    expect(usage.databaseBytes).toBeGreaterThan(0);
    expect((await invoke('storage.project', { projectId: project.id })).bytes).toBe(usage.projects[0]?.bytes);

    // What the test leaves behind: an empty batch, two orphan files, a frame whose image is gone (and one with a shape,
    // which must stay), and a stray temp folder of a job that is not running.
    const empty = createBatch(s.db, project.id, 'Nothing here');
    const orphanInVideo = path.join(path.dirname(path.join(s.paths.root, frames[0]?.path ?? '')), 'frame_999999.jpg');
    writeFileSync(orphanInVideo, 'x'.repeat(1234));
    const orphanElsewhere = path.join(s.paths.thumbs, 'no-such-project', 'b', 'v', 'frame_000001.jpg');
    mkdirSync(path.dirname(orphanElsewhere), { recursive: true });
    writeFileSync(orphanElsewhere, 'y'.repeat(99));
    const [lost, annotated] = [frames[1], frames[2]];
    rmSync(path.join(s.paths.root, lost?.path ?? ''));
    rmSync(path.join(s.paths.root, annotated?.path ?? ''));
    const label = await invoke('labels.create', { projectId: project.id, name: 'car', color: '#ff0000' });
    await invoke('shapes.save', { shape: { id: uuidv7(), frameId: annotated?.id ?? '', labelId: label.id, type: 'point', points: [1, 2] } });
    // A video still queued (the queue is not woken for it): files in its folder look orphaned but are its job's.
    const waiting = createBatch(s.db, project.id, 'Waiting');
    const videoId = uuidv7();
    insertVideo(s.db, {
      id: videoId, projectId: project.id, batchId: waiting.id, name: 'later.mp4', sourcePath: good, sizeBytes: 1,
      contentHash: 'later', status: 'pending', error: null, probe: null,
    });
    createJob(s.db, videoId, options, { maxAttempts: 2 });
    const pendingFile = path.join(s.paths.frames, project.id, waiting.slug, videoId, 'frame_000001.jpg');
    mkdirSync(path.dirname(pendingFile), { recursive: true });
    writeFileSync(pendingFile, 'z');

    const plan = await invoke('storage.cleanupPlan', {});
    const relative = (file: string) => path.relative(s.paths.root, file).split(path.sep).join('/');
    expect(plan.items.map((item) => item.id).sort()).toEqual(
      [
        `empty-batch:${empty.id}`,
        `orphan-file:${relative(orphanInVideo)}`,
        `orphan-file:${relative(orphanElsewhere)}`,
        `missing-file:${lost?.id}`,
        'extracted-upload:0192b7f0-0000-7000-8000-000000000001',
      ].sort(),
    );
    expect(plan.items.find((item) => item.kind === 'orphan-file' && item.id.endsWith('frame_999999.jpg'))?.bytes).toBe(1234);

    // The person confirms all but the upload.
    const chosen = plan.items.filter((item) => item.kind !== 'extracted-upload').map((item) => item.id);
    const cleaned = await invoke('storage.cleanup', { ids: chosen });
    expect(cleaned.removed.map((item) => item.id).sort()).toEqual([...chosen].sort());
    expect(existsSync(orphanInVideo) || existsSync(orphanElsewhere)).toBe(false);
    expect(existsSync(upload) && existsSync(pendingFile)).toBe(true);
    expect(s.db.prepare('SELECT id FROM frames WHERE id = ?').get(lost?.id ?? '')).toBeUndefined();
    expect(s.db.prepare('SELECT id FROM frames WHERE id = ?').get(annotated?.id ?? '')).toBeDefined();
    const remaining = listFrames(s.db, batchId, 0, 1000).frames;
    expect(remaining.length).toBe(frames.length - 1);
    for (const frame of remaining.filter((f) => f.id !== annotated?.id)) expect(existsSync(path.join(s.paths.root, frame.path))).toBe(true);
    expect(s.db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    expect(s.db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);

    const dry = await cli(['storage', 'clean', '--dry-run', '--json', '--library', s.paths.root]);
    expect(JSON.parse(dry.out)).toMatchObject({ dry_run: true, items: [{ id: 'extracted-upload:0192b7f0-0000-7000-8000-000000000001' }] });
    expect(existsSync(upload)).toBe(true);
    const report = JSON.parse((await cli(['storage', '--json', '--library', s.paths.root])).out) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['database_bytes', 'projects', 'tmp_bytes', 'total_bytes']);
    expect(report.projects).toEqual([
      {
        name: 'Storage',
        bytes: expect.any(Number),
        batches: [
          { name: 'Kept', bytes: expect.any(Number), frames: remaining.length },
          { name: 'Waiting', bytes: 0, frames: 0 },
        ],
      },
    ]);
    const clean = await cli(['storage', 'clean', '--json', '--library', s.paths.root]);
    expect(JSON.parse(clean.out)).toMatchObject({ dry_run: false, items: [{ kind: 'extracted-upload' }] });
    expect(existsSync(upload)).toBe(false);
    expect(existsSync(pendingFile)).toBe(true);
    expect((await invoke('storage.cleanupPlan', {})).items).toEqual([]);
  });

  it('sweeps temp folders of jobs that are not running, and keeps a running one’s', () => {
    const s = openTestServices();
    for (const name of ['job-aaa-1', 'job-bbb-2', 'host-token.123']) mkdirSync(path.join(s.paths.tmp, name));
    expect(removeStaleJobTemp(s.paths, ['bbb'])).toBe(1);
    expect(readdirSync(s.paths.tmp).sort()).toEqual(['host-token.123', 'job-bbb-2']);
  });
});
