// `npm run bench:sync`: the app's sync against the Supabase stand-in (its own process) with 50 ms added to every
// round trip: a push of 10,000 annotations, an upload of 1,000 thumbnails, and the first pull of a 10,000-frame,
// 100,000-annotation project into an empty library. Wall time, requests, bytes sent and peak memory (this process's
// RSS: the sync client, not the server), each beside a naive client that makes one request per change, per file or
// per row; the naive figures are measured on a sample and scaled up, as their full runs would take many minutes.
// The server's CPU (PostgreSQL, and the stand-in's own HTTP front) is read from /proc beside the client's, so a
// loaded machine's wall time can be told apart from the work. Figures only, no thresholds. BENCH_LATENCY_MS, BENCH_ANNOTATIONS, BENCH_THUMBS, BENCH_PULL_FRAMES change the sizes;
// words on the command line pick the parts (push, upload, pull, live; default all four).
// live: a teammate's edit, from the server's commit (the row's updated_at, stamped in the pushing transaction) to the
// moment the other machine's SyncService has it in its library, heard through Realtime; BENCH_LIVE_EDITS of them.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, createServerModuleRunner } from 'vite';

const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
const annotations = Number(process.env.BENCH_ANNOTATIONS ?? 10_000);
const thumbs = Number(process.env.BENCH_THUMBS ?? 1_000);
const pullFrames = Number(process.env.BENCH_PULL_FRAMES ?? 10_000);
const shapesPerFrame = 10;
const sample = 100;
const liveEdits = Number(process.env.BENCH_LIVE_EDITS ?? 50);
const parts = process.argv.slice(2).length > 0 ? new Set(process.argv.slice(2)) : new Set(['push', 'upload', 'pull', 'live']);

// A module runner that stays open: the sync code loads supabase-js on first use, after these imports.
const vite = await createServer({ configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom' });
const runner = createServerModuleRunner(vite.environments.ssr, { hmr: false });
const load = (file) => runner.import(file);
const { openServices } = await load('./electron/services.ts');
const { restoreShapes } = await load('./electron/library/annotations.ts');
const { createProject } = await load('./electron/library/projects.ts');
const { createBatch } = await load('./electron/library/batches.ts');
const { insertVideo } = await load('./electron/library/videos.ts');
const { insertFrames, listFrames } = await load('./electron/library/frames.ts');
const { preparePush, acknowledgePush } = await load('./electron/sync/push.ts');
const { storePulledPage, applyInbox } = await load('./electron/sync/pull.ts');
const { uuidv7 } = await load('./shared/ids.ts');
const { ProjectSharing } = await load('./electron/sync/sharing.ts');

// The stand-in in a process of its own, so its work and memory are not counted as the client's.
const server = spawn(process.execPath, ['scripts/supabase-stand-in.js'], {
  env: { ...process.env, SUPABASE_STAND_IN_LATENCY_MS: String(latencyMs) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.on('exit', () => server.kill('SIGINT'));
const { url, anonKey } = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (chunk) => {
    text += chunk;
    const found = { url: /URL:\s+(\S+)/.exec(text)?.[1], anonKey: /anon key:\s+(\S+)/.exec(text)?.[1] };
    if (found.url && found.anonKey) resolve(found);
  });
  server.once('exit', () => reject(new Error(`The stand-in stopped:\n${text}`)));
});

/**
 * CPU seconds (user + system, with reaped children) of the stand-in's own process and of its PostgreSQL server
 * (every process below it), from /proc; null where there is no /proc.
 */
function serverCpu() {
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const processes = [];
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.push({ pid: Number(name), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) });
    } catch {
      // The process ended while being read.
    }
  }
  const below = new Set([server.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const item of processes) {
      if (below.has(item.pid) || !below.has(item.ppid)) continue;
      below.add(item.pid);
      grew = true;
    }
  }
  const ticks = (keep) => processes.filter(keep).reduce((sum, item) => sum + item.ticks, 0) / 100;
  return { front: ticks((item) => item.pid === server.pid), postgres: ticks((item) => item.pid !== server.pid && below.has(item.pid)) };
}

// Every request the client makes, the bytes it sends (uploads declare theirs in content-length) and receives.
const traffic = { requests: 0, bytes: 0, received: 0, waitMs: 0 };
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init = {}) => {
  traffic.requests++;
  const body = init.body;
  if (typeof body === 'string') traffic.bytes += Buffer.byteLength(body);
  else if (body instanceof Uint8Array) traffic.bytes += body.byteLength;
  else {
    const length = new Headers(init.headers).get('content-length');
    if (length) traffic.bytes += Number(length);
  }
  const sent = performance.now();
  return realFetch(input, init)
    .then((response) => {
      traffic.received += Number(response.headers.get('content-length') ?? 0);
      return response;
    })
    .finally(() => (traffic.waitMs += performance.now() - sent));
};

async function measure(work) {
  const before = { ...traffic };
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const serverBefore = serverCpu();
  const result = await work();
  const wall = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const serverAfter = serverCpu();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const serverSeconds = serverBefore && serverAfter ? { front: serverAfter.front - serverBefore.front, postgres: serverAfter.postgres - serverBefore.postgres } : null;
  return {
    wall, requests: traffic.requests - before.requests, bytes: traffic.bytes - before.bytes, received: traffic.received - before.received,
    waitMs: traffic.waitMs - before.waitMs, peakMb: peak / 1048576, cpuMs: (user + system) / 1000, serverSeconds, result,
  };
}

const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
function report(title, ours, naive, scale) {
  console.log(`\n${title}`);
  console.log(
    `  Stillframe: ${seconds(ours.wall)} (${seconds(ours.waitMs)} waiting for answers, summed over parallel requests), ${ours.requests} requests, ${mb(ours.bytes)} sent, ${mb(ours.received)} received, peak RSS ${ours.peakMb.toFixed(0)} MB, client CPU ${seconds(ours.cpuMs)}`,
  );
  if (ours.serverSeconds) {
    console.log(`  server CPU: PostgreSQL ${ours.serverSeconds.postgres.toFixed(2)} s, the stand-in's HTTP front ${ours.serverSeconds.front.toFixed(2)} s`);
  }
  console.log(
    `  naive:      ${seconds(naive.wall * scale)}, ${Math.round(naive.requests * scale)} requests, ${mb(naive.bytes * scale)} sent` +
      ` (measured on ${sample}, ×${scale})`,
  );
}

const folders = [];
function library() {
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-bench-sync-'));
  folders.push(dir);
  return openServices({ libraryDir: dir });
}

const email = `bench-${uuidv7().slice(-8)}@example.com`;
const password = 'bench-sync-password';
async function signIn(services) {
  services.sync.session.saveSettings(url, anonKey);
  await services.sync.session.signIn(email, password);
  return services.sync.session.storedUser().id;
}

function seedFrames(services, projectId, count, withFiles) {
  const batch = createBatch(services.db, projectId, `Batch ${uuidv7().slice(-6)}`);
  const videoId = uuidv7();
  insertVideo(services.db, { id: videoId, projectId, batchId: batch.id, name: 'clip.mp4', sourcePath: '/clip.mp4', sizeBytes: 1, contentHash: videoId, status: 'done', error: null, probe: null });
  const frames = Array.from({ length: count }, (_, i) => {
    const file = `frame_${String(i + 1).padStart(6, '0')}.jpg`;
    const framePath = `frames/${projectId}/${batch.slug}/${videoId}/${file}`;
    const thumbPath = `thumbs/${projectId}/${batch.slug}/${videoId}/${file}`;
    if (withFiles) {
      mkdirSync(path.dirname(path.join(services.paths.root, thumbPath)), { recursive: true });
      writeFileSync(path.join(services.paths.root, thumbPath), randomBytes(12_000));
    }
    return { index: i + 1, timestampMs: i * 40, width: 1280, height: 720, path: framePath, thumbPath };
  });
  insertFrames(services.db, videoId, batch.id, frames);
  return listFrames(services.db, batch.id, 0, 1_000_000).frames;
}

const shape = (frameId, i) => ({ id: uuidv7(), frameId, type: 'rectangle', points: [i % 600, 10, (i % 600) + 50, 90], labelId: null, note: '', attributes: {}, hidden: false, locked: false });

const first = library();
await first.sync.session.saveSettings(url, anonKey);
await first.sync.session.signUp(email, password);
const userId = await signIn(first);

// 1. Push of 10,000 annotations, onto frames the server already has.
if (parts.has('push')) {
  const project = createProject(first.db, 'Bench push');
  const frames = seedFrames(first, project.id, 100, false);
  first.sync.linkProject(project.id);
  await first.sync.pushOutbox();
  restoreShapes(first.db, Array.from({ length: annotations }, (_, i) => shape(frames[i % frames.length].id, i)));
  const ours = await measure(() => first.sync.pushOutbox());
  restoreShapes(first.db, Array.from({ length: sample }, (_, i) => shape(frames[i % frames.length].id, i)));
  const client = await first.sync.session.supabase();
  const clientId = first.db.prepare('SELECT client_id FROM sync_clients WHERE user_id = ?').get(userId).client_id;
  const naive = await measure(async () => {
    for (;;) {
      const changes = preparePush(first.db, userId, 1);
      if (changes.length === 0) break;
      const { data } = await client.rpc('push_changes', { client_id: clientId, changes });
      acknowledgePush(first.db, userId, data);
    }
  });
  report(`Push of ${annotations.toLocaleString('en')} annotations`, ours, naive, annotations / sample);
}

// 2. Upload of 1,000 thumbnails (the frames' images are left out: thumbnails only).
if (parts.has('upload')) {
  const project = createProject(first.db, 'Bench upload');
  seedFrames(first, project.id, thumbs + sample, true);
  first.sync.linkProject(project.id);
  await first.sync.pushOutbox();
  first.db.prepare(`UPDATE sync_files SET state = 'uploaded' WHERE kind = 'image' AND project_id = ?`).run(project.id);
  const held = first.db.prepare(`SELECT frame_id, storage_path, local_path FROM sync_files WHERE project_id = ? AND kind = 'thumb' ORDER BY frame_id DESC LIMIT ?`).all(project.id, sample);
  for (const file of held) first.db.prepare(`UPDATE sync_files SET state = 'uploaded' WHERE frame_id = ? AND kind = 'thumb'`).run(file.frame_id);
  const ours = await measure(() => first.sync.syncFiles([project.id]));
  const client = await first.sync.session.supabase();
  const naive = await measure(async () => {
    for (const file of held) {
      const body = readFileSync(path.join(first.paths.root, file.local_path));
      await client.storage.from('frames').upload(file.storage_path, body, { contentType: 'image/jpeg' });
    }
  });
  report(`Upload of ${ours.result.uploaded.toLocaleString('en')} thumbnails`, ours, naive, thumbs / sample);
}

// 3. First pull of a 10,000-frame, 100,000-annotation project into an empty library.
if (parts.has('pull')) {
  const project = createProject(first.db, 'Bench pull');
  const frames = seedFrames(first, project.id, pullFrames, false);
  for (let start = 0; start < frames.length; start += 1_000) {
    restoreShapes(first.db, frames.slice(start, start + 1_000).flatMap((frame) => Array.from({ length: shapesPerFrame }, (_, i) => shape(frame.id, i))));
  }
  first.sync.linkProject(project.id);
  const seeded = await measure(() => first.sync.pushOutbox());
  console.log(`\n(seeding the pull project: pushed ${seeded.result.pushed.toLocaleString('en')} rows in ${seconds(seeded.wall)}, ${seeded.requests} requests)`);

  const empty = library();
  await signIn(empty);
  empty.db.prepare('INSERT INTO sync_projects (project_id, user_id, last_pulled_seq, linked_at) VALUES (?, ?, 0, ?)').run(project.id, userId, Date.now());
  const ours = await measure(() => empty.sync.pullProjects([project.id]));

  const naiveLibrary = library();
  await signIn(naiveLibrary);
  naiveLibrary.db.prepare('INSERT INTO sync_projects (project_id, user_id, last_pulled_seq, linked_at) VALUES (?, ?, 0, ?)').run(project.id, userId, Date.now());
  const client = await naiveLibrary.sync.session.supabase();
  const naive = await measure(async () => {
    for (let i = 0; i < sample; i++) {
      const after = naiveLibrary.db.prepare('SELECT last_pulled_seq FROM sync_projects WHERE project_id = ?').get(project.id).last_pulled_seq;
      const { data } = await client.rpc('pull_changes', { project_id: project.id, after_seq: after, max_rows: 1 });
      storePulledPage(naiveLibrary.db, project.id, data);
      await applyInbox(naiveLibrary.db, naiveLibrary.paths, project.id);
    }
  });
  const counts = empty.db.prepare('SELECT (SELECT COUNT(*) FROM frames) AS frames, (SELECT COUNT(*) FROM shapes) AS shapes').get();
  report(`First pull of ${counts.frames.toLocaleString('en')} frames and ${counts.shapes.toLocaleString('en')} annotations (${ours.result.toLocaleString('en')} rows)`, ours, naive, ours.result / sample);
  for (const services of [empty, naiveLibrary]) await services.close();
}

// 4. Live: edits on one machine appearing on a teammate's, with no "Sync now" anywhere.
if (parts.has('live')) {
  const project = createProject(first.db, 'Bench live');
  const frames = seedFrames(first, project.id, 10, false);
  first.sync.linkProject(project.id);
  await first.sync.pushOutbox();
  const teammate = library();
  teammate.sync.session.saveSettings(url, anonKey);
  const teammateEmail = `bench-mate-${uuidv7().slice(-8)}@example.com`;
  await teammate.sync.session.signUp(teammateEmail, password);
  await teammate.sync.session.signIn(teammateEmail, password);
  await new ProjectSharing(first.sync).invite(project.id, teammateEmail, 'editor');
  await teammate.sync.openCloudProject(project.id);
  teammate.sync.start();

  const waiting = new Map();
  const visible = (id) => teammate.db.prepare('SELECT updated_at FROM shapes WHERE id = ?').get(id);
  const check = () => {
    for (const [id, settle] of waiting) {
      const row = visible(id);
      if (row) settle(Date.now() - Number(row.updated_at));
    }
  };
  teammate.events.on('library.changed', check);
  const edit = async (i) => {
    const item = shape(frames[i % frames.length].id, i);
    const seen = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`edit ${i} never reached the teammate`)), 10_000);
      waiting.set(item.id, (ms) => {
        clearTimeout(timer);
        waiting.delete(item.id);
        resolve(ms);
      });
    });
    restoreShapes(first.db, [item]);
    await first.sync.pushOutbox();
    return seen;
  };
  // The first edit also waits for the teammate's channel to join; it is not counted.
  await edit(0);
  const delays = [];
  for (let i = 1; i <= liveEdits; i++) {
    delays.push(await edit(i));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  delays.sort((a, b) => a - b);
  const at = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))];
  console.log(`\nLive: ${liveEdits} edits, server commit → applied in the teammate's library (${latencyMs} ms added to every round trip)`);
  console.log(`  p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${delays[delays.length - 1]} ms (target: p50 ≤ 300 ms, p95 ≤ 1 s)`);
  await teammate.close();
}

console.log(`\nNode ${process.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await first.close();
await runner.close();
await vite.close();
server.kill('SIGINT');
for (const dir of folders) rmSync(dir, { recursive: true, force: true });
