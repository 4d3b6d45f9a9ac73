// `npm run bench:workers`: the team's processing queue against the Supabase stand-in (real PostgreSQL) with real
// `stillframe worker` processes and real FFmpeg. Prints, with no thresholds:
//  - throughput with 1, 2 and 3 workers on the same twelve videos, imported through the desktop's own
//    "Process on team workers" path (upload, then the queue);
//  - the queue's own overhead per job: claim to FFmpeg's start (download included), and a job's completion to its
//    frames being in the desktop's library (the desktop watches the queue and syncs the frames down);
//  - the time from a worker SIGKILLed mid-job to its job running again on another worker.
// BENCH_SECONDS (clip length, default 20), BENCH_LEASE (seconds, default 5) change the sizes. Needs `npm run build`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createServer, createServerModuleRunner } from 'vite';

const clipSeconds = Number(process.env.BENCH_SECONDS ?? 20);
const lease = Number(process.env.BENCH_LEASE ?? 5);
const cli = path.resolve('out/main/cli.js');
if (!existsSync(cli)) throw new Error('Build first: npm run build');
process.env.FFMPEG_PATH ??= '/usr/bin/ffmpeg';
process.env.FFPROBE_PATH ??= '/usr/bin/ffprobe';

const vite = await createServer({ configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom' });
const runner = createServerModuleRunner(vite.environments.ssr, { hmr: false });
const load = (file) => runner.import(file);
const { startSupabaseStandIn } = await load('./electron/test-support/supabase/stand-in.ts');
const { signedInUser, spawnWorker, teamPassword } = await load('./electron/test-support/team-queue.ts');
const { openServices } = await load('./electron/services.ts');
const { apiClient } = await load('./electron/test-support/api-client.ts');
const { createProject } = await load('./electron/library/projects.ts');

const run = promisify(execFile);
const standIn = await startSupabaseStandIn();
const supabase = { url: standIn.url, anonKey: standIn.anonKey, admin: standIn.admin };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (value) => `${Math.round(value)} ms`;
const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

// Twelve videos: milk.mkv and eleven 640×360 clips made by FFmpeg, sampled every quarter second.
const dir = mkdtempSync(path.join(tmpdir(), 'bench-workers-'));
const clips = [path.resolve('../shared/media/milk.mkv')];
await Promise.all(
  Array.from({ length: 11 }, async (_, i) => {
    const file = path.join(dir, `clip-${String(i + 1).padStart(2, '0')}.mp4`);
    await run(process.env.FFMPEG_PATH, ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=duration=${clipSeconds}:size=640x360:rate=25,hue=h=${i * 30}`, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', file]);
    clips.push(file);
  }),
);
const options = { sampling: { mode: 'every', seconds: 0.25 }, jpegQuality: 3 };

/** A person's library, signed in, with a synced project; the desktop's services, as the app runs them. */
async function desktop(name) {
  const email = `person-${Date.now()}-${Math.random().toString(16).slice(2, 6)}@example.com`;
  const services = openServices({ libraryDir: mkdtempSync(path.join(tmpdir(), 'bench-desktop-')) });
  const api = apiClient(services);
  await api.invoke('sync.settings.set', { url: supabase.url, anonKey: supabase.anonKey });
  await api.invoke('sync.signUp', { email, password: teamPassword });
  await standIn.admin.query('update auth.users set email_confirmed_at = now() where email = $1', [email]);
  await api.invoke('sync.signIn', { email, password: teamPassword });
  const project = createProject(services.db, name);
  await api.invoke('sync.linkProject', { projectId: project.id });
  await api.invoke('sync.now', {});
  services.team.start();
  return { services, api, project };
}

async function addWorkers(projectId, count) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    const worker = await signedInUser(supabase, `worker${i + 1}`);
    await standIn.admin.query(`insert into public.project_members (project_id, user_id, role) values ($1, $2, 'worker')`, [projectId, worker.userId]);
    workers.push(worker);
  }
  return workers;
}

/** When each video's frames are in the desktop's library, polled every 20 ms until all twelve are. */
async function framesVisible(services, videoIds) {
  const seen = new Map();
  while (seen.size < videoIds.length) {
    for (const id of videoIds) {
      if (seen.has(id)) continue;
      const row = services.db.prepare('SELECT COUNT(*) AS n FROM frames WHERE video_id = ?').get(id);
      if (Number(row.n) > 0) seen.set(id, Date.now());
    }
    await sleep(20);
  }
  return seen;
}

const cores = availableParallelism();
console.log(`bench:workers — ${clips.length} videos (milk.mkv + ${clips.length - 1} × ${clipSeconds} s 640×360), one frame every 0.25 s, ${cores} core(s)\n`);
const results = [];
for (const count of [1, 2, 3]) {
  const { services, api, project } = await desktop(`Bench ${count}`);
  const workers = await addWorkers(project.id, count);
  const uploadStart = Date.now();
  const ingest = await api.invoke('ingest.start', { projectId: project.id, batch: { newName: 'Clips' }, paths: clips, options, processOn: 'team-workers' });
  await services.team.uploadsSettled();
  const uploadMs = Date.now() - uploadStart;
  const videoIds = ingest.videos.map((item) => item.video.id);
  const visible = framesVisible(services, videoIds);
  const start = Date.now();
  const processes = workers.map((worker) => spawnWorker(supabase, worker.email, ['--until-idle', '--lease', '30'], { STILLFRAME_WORKER_POLL_MS: '1000' }));
  await Promise.all(processes.map((p) => p.exited));
  const wallMs = Date.now() - start;
  const seenAt = await visible;
  const lines = processes.flatMap((p) => p.jobs);
  const { rows } = await standIn.admin.query('select video_id, extract(epoch from completed_at) * 1000 as done_at from public.processing_jobs where project_id = $1', [project.id]);
  const toVisible = rows.map((row) => seenAt.get(row.video_id) - Number(row.done_at));
  results.push({ count, wallMs, lines, toVisible, uploadMs });
  console.log(
    `${count} worker(s): ${(wallMs / 1000).toFixed(1)} s for 12 videos (${((12 / wallMs) * 60_000).toFixed(1)} videos/min), ` +
      `${lines.filter((l) => l.outcome === 'done').length} done, jobs per worker ${processes.map((p) => p.jobs.length).join('/')}; ` +
      `claim→FFmpeg median ${ms(median(lines.map((l) => l.claim_to_extract_ms)))}; ` +
      `done→frames on the desktop median ${ms(median(toVisible))} (max ${ms(Math.max(...toVisible))}); uploads ${ms(uploadMs)}`,
  );
  await services.close();
}
const [one, two, three] = results.map((r) => r.wallMs);
console.log(`\nSpeed-up: 2 workers ×${(one / two).toFixed(2)}, 3 workers ×${(one / three).toFixed(2)} (all on this machine's ${cores} cores: FFmpeg and the database share them).`);
console.log(`Worker process start + sign-in is part of each wall time; mean job ${mean(results[0].lines.map((l) => l.seconds)).toFixed(2)} s with one worker.`);

// A dead worker: SIGKILL mid-job; a second worker waiting on the queue takes the job once the lease runs out.
{
  const { services, api, project } = await desktop('Bench dead worker');
  const [worker] = await addWorkers(project.id, 1);
  const long = path.join(dir, 'long.mp4');
  await run(process.env.FFMPEG_PATH, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=duration=240:size=640x360:rate=25', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', long]);
  await api.invoke('ingest.start', { projectId: project.id, batch: { newName: 'Long' }, paths: [long], options, processOn: 'team-workers' });
  await services.team.uploadsSettled();
  const first = spawnWorker(supabase, worker.email, ['--lease', String(lease)]);
  const jobState = async () => (await standIn.admin.query('select status, attempt, processing_progress from public.processing_jobs where project_id = $1', [project.id])).rows[0];
  while ((await jobState()).status !== 'processing') await sleep(20);
  // The second worker is up and polling the queue before the first one dies.
  const second = spawnWorker(supabase, worker.email, ['--until-idle', '--lease', String(lease)], { STILLFRAME_WORKER_POLL_MS: '1000', STILLFRAME_WORKER_GRACE_SECONDS: '0' });
  await sleep(1500);
  if ((await jobState()).status !== 'processing') throw new Error('The long video finished before the worker could be killed; raise its length.');
  const killedAt = Date.now();
  first.child.kill('SIGKILL');
  while ((await jobState()).attempt < 2) await sleep(20);
  const reclaimMs = Date.now() - killedAt;
  second.child.kill('SIGTERM');
  await second.exited;
  console.log(`\nDead worker → its job running again: ${ms(reclaimMs)} with a ${lease} s lease (≤ the lease since its last heartbeat + one 1 s poll).`);
  await services.close();
}

await standIn.stop();
await vite.close();
process.exit(0);
