// `npm run bench:extract [-- WORD...]`: Stillframe's extraction against plain FFmpeg on the same files and sampling,
// run alternately, with ratios; words pick the parts whose label contains them (a clip's name, sparse, memory). Three
// - the whole `stillframe ingest` command, a process per video, as a person or script runs it;
// - where that command's time goes: its child processes' start and exit times, taken by a --require hook so the
//   product carries no timing code (the hook costs the instrumented run ~20 ms, so it is kept out of the ratio);
// - in-app: the same ingest through services opened once in this process, as the app runs it, with no process
//   start-up per video. The services are loaded from the TypeScript sources by Vite, as bench-export does;
// - the floor: a Node process that only runs FFprobe on the file and then the plain FFmpeg command. No command that
//   starts Node and probes before extracting, as the issue asks, can be faster; on short clips its ratio alone
//   exceeds 1.10.
// Figures only: timing thresholds do not belong in tests on shared, noisy machines.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';

const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
// The product prefers the ffprobe package's own (static) build to the one on PATH; time the one it runs.
const ffprobe = process.env.FFPROBE_PATH ?? createRequire(import.meta.url)('@ffprobe-installer/ffprobe').path;
const cli = path.resolve('out/main/cli.js');
// What a person runs as `stillframe`: the version check and compile cache in front of the bundle.
const stillframeBin = path.resolve('bin/stillframe.js');
const cache = path.resolve('.bench-cache');
const media = path.resolve('../shared/media');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const only = process.argv.slice(2);
const thumbScale = "scale='min(320,iw)':'min(320,ih)':force_original_aspect_ratio=decrease";
const timelineMarker = 'BENCH_TIMELINE=';
const selfCpuMarker = 'BENCH_SELF_CPU=';

if (!existsSync(cli)) {
  console.error('Build first: npm run build');
  process.exit(2);
}
mkdirSync(cache, { recursive: true });

/**
 * Records when each child process starts and exits, on the monotonic clock that every process on the machine shares.
 * Node's ESM bindings of a built-in module follow its CommonJS exports once synced, so the product's own
 * `import { spawn }` sees the wrapper. Runs in this process and, serialised into the hook, inside the CLI.
 */
function recordSpawns(events) {
  const { syncBuiltinESMExports } = process.getBuiltinModule('node:module');
  const childProcess = process.getBuiltinModule('node:child_process');
  const original = childProcess.spawn;
  childProcess.spawn = function (command, ...rest) {
    const child = original.call(this, command, ...rest);
    const name = path.basename(String(command));
    events.push({ name, at: 'start', ns: process.hrtime.bigint(), args: Array.isArray(rest[0]) ? rest[0] : [] });
    child.once('exit', () => events.push({ name, at: 'exit', ns: process.hrtime.bigint() }));
    return child;
  };
  syncBuiltinESMExports();
}

const hookDir = mkdtempSync(path.join(tmpdir(), 'sf-extract-hook-'));
const hook = path.join(hookDir, 'timeline.cjs');
writeFileSync(
  hook,
  `const path = require('node:path');
const events = [];
(${recordSpawns.toString()})(events);
process.once('exit', () => {
  process.stderr.write('\\n${timelineMarker}' + JSON.stringify(events, (_, v) => (typeof v === 'bigint' ? String(v) : v)) + '\\n');
  const { user, system } = process.cpuUsage();
  process.stderr.write('${selfCpuMarker}' + (user + system) / 1e6 + '\\n');
});
`,
);

function makeClip(name, seconds, gopSeconds) {
  const file = path.join(cache, name);
  if (existsSync(file)) return file;
  console.log(`making ${name} (${seconds} s of 1080p testsrc2, GOP ${gopSeconds} s)…`);
  const result = spawnSync(ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', String(30 * gopSeconds), '-keyint_min', String(30 * gopSeconds),
    '-sc_threshold', '0', file,
  ], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`could not make ${name}`);
  return file;
}

/** Runs a command, returning its wall seconds, start and end (monotonic ns), stderr and peak resident memory (MB). */
function timed(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    let peakKb = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const match = /VmHWM:\s+(\d+)/.exec(status);
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // The process has exited between samples.
      }
    };
    const timer = setInterval(sample, 20);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      const end = process.hrtime.bigint();
      clearInterval(timer);
      if (code !== 0 && code !== 1) reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}`));
      else resolve({ seconds: Number(end - start) / 1e9, start, end, stderr, peakMb: peakKb / 1024 });
    });
  });
}

function plainFfmpegArgs(input, out, filter) {
  mkdirSync(path.join(out, 'a'), { recursive: true });
  mkdirSync(path.join(out, 'b'), { recursive: true });
  return [
    '-hide_banner', '-loglevel', 'error', '-y', '-i', input,
    '-filter_complex', `[0:v]${filter},split[a][b];[b]${thumbScale}[t]`,
    '-map', '[a]', '-q:v', '3', path.join(out, 'a', '%06d.jpg'),
    '-map', '[t]', '-q:v', '3', path.join(out, 'b', '%06d.jpg'),
  ];
}

function stillframeArgs(inputs, library, sampling) {
  return [stillframeBin, 'ingest', ...inputs, '--library', library, '--project', 'Bench', '--batch', `b${Math.random()}`, ...sampling, '--json'];
}

const floorScript =
  "const { spawnSync } = require('node:child_process'); const [ffprobe, ffmpeg, input, ...args] = process.argv.slice(1);" +
  "spawnSync(ffprobe, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', input]);" +
  "process.exit(spawnSync(ffmpeg, args, { stdio: 'ignore' }).status ?? 1);";

function floorArgs(input, out, filter) {
  return ['-e', floorScript, ffprobe, ffmpeg, input, ...plainFfmpegArgs(input, out, filter)];
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (from, to) => Number(to - from) / 1e6;

const phases = ['to probe', 'probe', 'to ffmpeg', 'ffmpeg', 'after'];

/** Splits one ingest, from `start` to `end`, at its first FFprobe and the first and last FFmpeg it ran. */
function phasesOf(events, start, end) {
  const first = (name, at) => events.find((e) => e.name === name && e.at === at)?.ns;
  const last = (name, at) => events.findLast((e) => e.name === name && e.at === at)?.ns;
  const marks = [start, first('ffprobe', 'start'), first('ffprobe', 'exit'), first('ffmpeg', 'start'), last('ffmpeg', 'exit'), end];
  if (marks.some((mark) => mark === undefined)) throw new Error(`incomplete timeline: ${JSON.stringify(events, (_, v) => String(v))}`);
  return phases.map((_, i) => ms(BigInt(marks[i]), BigInt(marks[i + 1])));
}

function timelineOf(stderr) {
  const line = stderr.split('\n').find((text) => text.startsWith(timelineMarker));
  return JSON.parse(line.slice(timelineMarker.length));
}

/** The in-app ingest: services opened once, here; each run is a new batch of the same project, run to the end. */
async function openInApp() {
  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: false, root: process.cwd(), logLevel: 'error', appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  });
  const load = (file) => vite.ssrLoadModule(file);
  const [{ openServices }, { ingestFiles }, { createProject }] = await Promise.all([
    load('/electron/services.ts'), load('/electron/ingest/ingest.ts'), load('/electron/library/projects.ts'),
  ]);
  await vite.close();
  const library = mkdtempSync(path.join(tmpdir(), 'sf-bench-app-'));
  const services = openServices({ libraryDir: library, startQueue: true });
  const project = createProject(services.db, 'Bench');
  const events = [];
  recordSpawns(events);
  return {
    async ingest(input, options) {
      events.length = 0;
      const start = process.hrtime.bigint();
      const result = await ingestFiles(services.db, services.ingestSettings, {
        projectId: project.id, batch: { newName: `b${Math.random()}` }, paths: [input], options,
      });
      services.queue.wake();
      const jobs = await services.queue.waitFor(result.jobIds);
      const end = process.hrtime.bigint();
      if (jobs.length !== 1 || jobs[0].status !== 'done') throw new Error(`in-app ingest of ${input} did not finish: ${JSON.stringify(jobs)}`);
      return { seconds: ms(start, end) / 1000, phases: phasesOf(events, start, end) };
    },
    async close() {
      await services.close();
      rmSync(library, { recursive: true, force: true });
    },
  };
}

const pad = (text, width) => String(text).padStart(width);
const secs = (value) => `${value.toFixed(2)} s`;

/**
 * One round: plain FFmpeg, the CLI, the in-app ingest, the CLI with the timeline hook; the ratios compare medians
 * over the rounds.
 */
async function compare(label, input, every, filter, app) {
  const plain = [];
  const floor = [];
  const command = [];
  const inApp = [];
  const breakdown = [];
  const appBreakdown = [];
  for (let round = 0; round < rounds; round++) {
    const scratch = mkdtempSync(path.join(tmpdir(), 'sf-bench-'));
    plain.push((await timed(ffmpeg, plainFfmpegArgs(input, path.join(scratch, 'plain'), filter))).seconds);
    floor.push((await timed(process.execPath, floorArgs(input, path.join(scratch, 'floor'), filter))).seconds);
    command.push((await timed(process.execPath, stillframeArgs([input], path.join(scratch, 'lib'), ['--every', String(every)]))).seconds);
    const app1 = await app.ingest(input, { sampling: { mode: 'every', seconds: every }, jpegQuality: 3 });
    inApp.push(app1.seconds);
    appBreakdown.push(app1.phases);
    const traced = await timed(process.execPath, ['--require', hook, ...stillframeArgs([input], path.join(scratch, 'traced'), ['--every', String(every)])]);
    breakdown.push(phasesOf(timelineOf(traced.stderr), traced.start, traced.end));
    rmSync(scratch, { recursive: true, force: true });
  }
  const row = {
    label, plain: median(plain), floor: median(floor), command: median(command), inApp: median(inApp),
    breakdown: phases.map((_, i) => median(breakdown.map((b) => b[i]))),
    appBreakdown: phases.map((_, i) => median(appBreakdown.map((b) => b[i]))),
  };
  console.log(
    `${label.padEnd(34)}${pad(secs(row.plain), 9)}${pad((row.floor / row.plain).toFixed(2), 7)}` +
      `${pad(secs(row.command), 9)}${pad((row.command / row.plain).toFixed(2), 7)}` +
      `${pad(secs(row.inApp), 9)}${pad((row.inApp / row.plain).toFixed(2), 7)}`,
  );
  return row;
}

function printBreakdowns(rows) {
  const header = (title) => console.log(`\n${title}\n${''.padEnd(34)}${phases.map((p) => pad(p, 11)).join('')}${pad('total', 11)}`);
  const line = (label, values) => console.log(`${label.padEnd(34)}${values.map((v) => pad(`${v.toFixed(0)} ms`, 11)).join('')}${pad(`${values.reduce((a, b) => a + b, 0).toFixed(0)} ms`, 11)}`);
  header('where the command\'s time goes (median ms; "to probe" includes Node start-up and loading; "after" ends when the process is gone):');
  for (const row of rows) line(row.label, row.breakdown);
  console.log('\nStillframe\'s FFmpeg run alone, against plain FFmpeg (median ratio of the "ffmpeg" phase above):');
  for (const row of rows) console.log(`${row.label.padEnd(34)}${pad((row.breakdown[3] / 1000 / row.plain).toFixed(2), 7)}`);
  header('the same in-app (median ms; no process start-up; "after" ends when the job is done and committed):');
  for (const row of rows) line(row.label, row.appBreakdown);
}

const startupCases = [
  ['node -e 0', [process.execPath, ['-e', '0']]],
  ['stillframe --help (start-up and loading)', [process.execPath, [stillframeBin, '--help']]],
  ['ffprobe -version (the one Stillframe runs)', [ffprobe, ['-version']]],
  ['ffmpeg -version', [ffmpeg, ['-version']]],
];

async function startupCosts() {
  const times = startupCases.map(() => []);
  for (let round = 0; round < 11; round++) {
    for (const [i, [, [command, args]]] of startupCases.entries()) times[i].push((await timed(command, args)).seconds);
  }
  console.log('\nfixed costs (median of 11 alternating runs):');
  for (const [i, [label]] of startupCases.entries()) console.log(`${label.padEnd(44)}${pad(`${(median(times[i]) * 1000).toFixed(0)} ms`, 8)}`);
}

const wanted = (label) => only.length === 0 || only.some((name) => label.includes(name));
const clip60 = makeClip('testsrc2-1080p-60s-gop2.mp4', 60, 2);
const clip300 = makeClip('testsrc2-1080p-300s-gop10.mp4', 300, 10);
const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');

console.log(`\nNode ${process.version}, ${cpus().length} cores, load average ${load()}; median of ${rounds} alternating rounds`);
console.log('floor = Node start-up, FFprobe, then the plain FFmpeg command, as a ratio to plain FFmpeg: the least any command that probes first can take');
console.log('command = the whole `stillframe ingest` process (start-up, probe, hash, extract, commit); in-app = the same ingest through services already open\n');
const app = await openInApp();
try {
  const columns = `${''.padEnd(34)}${pad('ffmpeg', 9)}${pad('floor', 7)}${pad('command', 9)}${pad('ratio', 7)}${pad('in-app', 9)}${pad('ratio', 7)}`;
  const clips = [['1080p testsrc2, 60 s, GOP 2 s', clip60]].concat(
    ['bottle-detection.mp4', 'car-detection.mp4', 'one-by-one-person-detection.mp4', 'milk.mkv'].map((name) => [name, path.join(media, name)]),
  ).filter(([label]) => wanted(label));
  const rows = [];
  if (clips.length > 0) console.log(`every 1 s, full-size JPEG + 320 px thumbnail (target ratio ≤ 1.10):\n${columns}`);
  for (const [label, file] of clips) rows.push(await compare(label, file, 1, 'fps=1', app));
  if (wanted('sparse')) {
    console.log('\nsparse: every 30 s on 5 min of 1080p with a 10 s GOP, against plain `ffmpeg -vf fps=1/30` (target ratio ≤ 0.5):');
    console.log(columns);
    rows.push(await compare('sparse 1080p, 300 s, GOP 10 s', clip300, 30, 'fps=1/30', app));
  }
  printBreakdowns(rows);
} finally {
  await app.close();
}
await startupCosts();

if (wanted('together')) {
  // How a script imports a folder: one command for every clip, against plain FFmpeg run on each in turn.
  const realClips = ['bottle-detection.mp4', 'car-detection.mp4', 'one-by-one-person-detection.mp4', 'milk.mkv'].map((n) => path.join(media, n));
  const plain = [];
  const together = [];
  for (let round = 0; round < rounds; round++) {
    const scratch = mkdtempSync(path.join(tmpdir(), 'sf-bench-'));
    let seconds = 0;
    for (const [i, clip] of realClips.entries()) seconds += (await timed(ffmpeg, plainFfmpegArgs(clip, path.join(scratch, `plain${i}`), 'fps=1'))).seconds;
    plain.push(seconds);
    together.push((await timed(process.execPath, stillframeArgs(realClips, path.join(scratch, 'lib'), ['--every', '1']))).seconds);
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\ntogether: the four real clips in one \`stillframe ingest\` against plain FFmpeg on each in turn (median of ${rounds}):`);
  console.log(`${''.padEnd(34)}${pad(secs(median(plain)), 9)}${pad(secs(median(together)), 9)}${pad((median(together) / median(plain)).toFixed(2), 7)}`);
}

if (wanted('memory')) {
  console.log('\nmemory: four videos extracting at once (STILLFRAME_CONCURRENCY=4):');
  const scratch = mkdtempSync(path.join(tmpdir(), 'sf-bench-'));
  const four = ['bottle-detection.mp4', 'car-detection.mp4', 'one-by-one-person-detection.mp4'].map((n) => path.join(media, n)).concat(clip60);
  const memory = await timed(process.execPath, stillframeArgs(four, path.join(scratch, 'lib'), ['--every', '1']), { STILLFRAME_CONCURRENCY: '4' });
  console.log(`peak resident memory of the Stillframe process (FFmpeg children not included): ${memory.peakMb.toFixed(0)} MB, wall ${memory.seconds.toFixed(2)} s`);
  rmSync(scratch, { recursive: true, force: true });
}
/** Resident memory (KB) of a process and every process under it, from /proc. */
function treeRssKb(root) {
  const children = new Map();
  const rss = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      rss.set(Number(entry), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone between the listing and the read.
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop();
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * Runs a command, sampling the whole process tree's resident memory every 250 ms (the peak of their sum, FFmpeg
 * children included) and, given a library, its job's progress every 100 ms (the longest wait between changes).
 */
function timedTree(command, args, env = {}, library = null) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    let peakKb = 0;
    let lastProgress = null;
    let lastChange = null;
    let longestGap = 0;
    let longestAt = null;
    let slowGaps = 0;
    let changes = 0;
    let db = null;
    const memory = setInterval(() => (peakKb = Math.max(peakKb, treeRssKb(child.pid))), 250);
    const progress = setInterval(() => {
      if (!library) return;
      try {
        db ??= new DatabaseSync(path.join(library, 'stillframe.db'), { readOnly: true });
        const row = db.prepare("SELECT processing_progress AS progress FROM jobs WHERE status = 'processing' LIMIT 1").get();
        if (!row) return;
        const now = performance.now();
        if (row.progress !== lastProgress) {
          if (lastChange !== null) {
            const gap = now - lastChange;
            if (gap > 1000) slowGaps++;
            if (gap > longestGap) [longestGap, longestAt] = [gap, lastProgress];
          }
          lastProgress = row.progress;
          lastChange = now;
          changes++;
        }
      } catch {
        // The library is not made yet, or is busy: the next sample reads it.
      }
    }, 100);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      const end = process.hrtime.bigint();
      clearInterval(memory);
      clearInterval(progress);
      db?.close();
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}`));
      else resolve({ seconds: Number(end - start) / 1e9, peakMb: peakKb / 1024, longestGapMs: longestGap, longestAt, slowGaps, changes });
    });
  });
}

if (wanted('long')) {
  // Two hours of 1080p: a minute of testsrc2 at a low bitrate, looped by FFmpeg with -stream_loop into one file. At
  // BENCH_LONG_FPS (default 10) frames a second, so decoding it (what both sides spend their time on) fits a run.
  const longSeconds = Number(process.env.BENCH_LONG_SECONDS ?? 7200);
  const fps = Number(process.env.BENCH_LONG_FPS ?? 10);
  const dir = path.join(tmpdir(), 'stillframe-bench-cache');
  mkdirSync(dir, { recursive: true });
  const minute = path.join(dir, `testsrc2-1080p-60s-${fps}fps.mp4`);
  const long = path.join(dir, `testsrc2-1080p-${longSeconds}s-${fps}fps.mp4`);
  if (!existsSync(long)) {
    console.log(`\nmaking ${path.basename(long)} (once, cached in ${dir})…`);
    const made = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=${fps}:duration=60`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '400k', '-pix_fmt', 'yuv420p', '-g', String(fps * 2), minute], { stdio: 'inherit' });
    const looped = made.status === 0 && spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-stream_loop', String(Math.ceil(longSeconds / 60) - 1),
      '-i', minute, '-c', 'copy', '-t', String(longSeconds), long], { stdio: 'inherit' });
    if (!looped || looped.status !== 0) throw new Error('could not make the long video');
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'sf-bench-long-'));
  try {
    const plain = await timedTree(ffmpeg, plainFfmpegArgs(long, path.join(scratch, 'plain'), 'fps=1'));
    rmSync(path.join(scratch, 'plain'), { recursive: true, force: true });
    const library = path.join(scratch, 'lib');
    const ours = await timedTree(process.execPath, stillframeArgs([long], library, ['--every', '1']), {}, library);
    const frames = readdirSync(path.join(scratch, 'lib', 'frames'), { recursive: true }).filter((name) => String(name).endsWith('.jpg')).length;
    console.log(`\nlong: ${longSeconds / 3600} h of 1080p at ${fps} fps, --every 1 (${frames} frames kept; one run each):`);
    console.log(`${''.padEnd(34)}${pad('ffmpeg', 9)}${pad('command', 9)}${pad('ratio', 7)}`);
    console.log(`${'wall'.padEnd(34)}${pad(secs(plain.seconds), 9)}${pad(secs(ours.seconds), 9)}${pad((ours.seconds / plain.seconds).toFixed(2), 7)}   (target ≤ 1.10)`);
    console.log(`${'peak RSS, process tree'.padEnd(34)}${pad(`${plain.peakMb.toFixed(0)} MB`, 9)}${pad(`${ours.peakMb.toFixed(0)} MB`, 9)}${pad((ours.peakMb / plain.peakMb).toFixed(2), 7)}   (target < 500 MB)`);
    console.log(
      `progress: ${ours.changes} changes, longest wait between two ${(ours.longestGapMs / 1000).toFixed(2)} s (after ${(100 * ours.longestAt).toFixed(1)} %), ` +
        `${ours.slowGaps} waits over 1 s; 1-min load average ${load()}   (target ≤ 1 s)`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (wanted('fifty')) {
  // A batch of 50 short clips (4 s of 720p each, made by FFmpeg from testsrc2) in one `stillframe ingest` at the
  // queue's concurrency, against the very FFmpeg commands that ingest ran (recorded by the timeline hook, the same
  // arguments with the outputs moved to a scratch folder, stdout and stderr read) run by hand with the same number at
  // once. The hook costs the recorded run ~20 ms, counted against Stillframe. Stillframe's runs use the ffprobe it
  // finds as a user's install would: FFPROBE_PATH when set (the tests' Debian build, ~50 ms to start), else the
  // bundled static build; both rows are printed.
  const concurrency = Number(process.env.STILLFRAME_CONCURRENCY ?? 2);
  const dir = path.join(cache, 'fifty');
  mkdirSync(dir, { recursive: true });
  const clips = Array.from({ length: 50 }, (_, i) => path.join(dir, `clip-${String(i).padStart(2, '0')}.mp4`));
  for (const [i, clip] of clips.entries()) {
    if (existsSync(clip)) continue;
    const made = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=25:duration=4`,
      '-vf', `hue=h=${i * 7}`, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', clip], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error(`could not make ${clip}`);
  }
  /**
   * CPU seconds (user + system) of this process's children that have ended and been reaped, with theirs: on a
   * machine shared with other work, wall times swing with the load; the CPU each side spends swings much less.
   */
  const childCpu = () => {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  };
  const runReading = (command, args) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.resume();
      child.stderr.resume();
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
    });
  /** The FFmpeg commands of a recorded ingest, their outputs moved under `out`, run `concurrency` at a time. */
  const byHand = async (commands, out) => {
    const moved = commands.map((args, i) =>
      args.map((arg) => {
        const match = /^(.*[\\/]tmp[\\/]job-[^\\/]+)[\\/](frames|thumbs)[\\/](.*)$/.exec(arg);
        if (!match) return arg;
        mkdirSync(path.join(out, String(i), match[2]), { recursive: true });
        return path.join(out, String(i), match[2], match[3]);
      }),
    );
    const started = process.hrtime.bigint();
    const cpuBefore = childCpu();
    const waiting = [...moved];
    const lane = async () => {
      for (let next = waiting.shift(); next; next = waiting.shift()) await runReading(ffmpeg, next);
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: childCpu() - cpuBefore };
  };
  const bundledProbe = createRequire(import.meta.url)('@ffprobe-installer/ffprobe').path;
  const variants = [
    ...(process.env.FFPROBE_PATH ? [{ label: `ffprobe ${process.env.FFPROBE_PATH}`, env: {} }] : []),
    { label: 'ffprobe bundled (static)', env: { FFPROBE_PATH: bundledProbe } },
  ];
  /** One recorded ingest: its wall time, FFmpeg commands and where its time went between them. */
  const ours = async (library, env) => {
    const cpuBefore = childCpu();
    const run = await timed(process.execPath, ['--require', hook, ...stillframeArgs(clips, library, ['--every', '1'])], {
      STILLFRAME_CONCURRENCY: String(concurrency), ...env,
    });
    const events = timelineOf(run.stderr).map((e) => ({ ...e, ns: BigInt(e.ns) }));
    const starts = events.filter((e) => e.name === 'ffmpeg' && e.at === 'start');
    const exits = events.filter((e) => e.name === 'ffmpeg' && e.at === 'exit').map((e) => e.ns).sort((a, b) => (a < b ? -1 : 1));
    // How long a slot stood empty: from the latest FFmpeg exit before each start (the first `concurrency` excepted).
    const gaps = starts.slice(concurrency).map((e) => ms(exits.filter((x) => x <= e.ns).at(-1) ?? e.ns, e.ns));
    const selfCpu = Number(run.stderr.split('\n').find((text) => text.startsWith(selfCpuMarker))?.slice(selfCpuMarker.length));
    return {
      seconds: run.seconds,
      cpu: childCpu() - cpuBefore,
      selfCpu,
      commands: starts.map((e) => e.args),
      probes: events.filter((e) => e.name === 'ffprobe' && e.at === 'start').length,
      spawns: events.filter((e) => e.at === 'start').length,
      toFirst: ms(run.start, starts[0].ns),
      gap: median(gaps),
      after: ms(exits.at(-1), run.end),
    };
  };
  const warm = mkdtempSync(path.join(tmpdir(), 'sf-bench-fifty-'));
  let commands = (await ours(path.join(warm, 'lib'), variants[0].env)).commands;
  rmSync(warm, { recursive: true, force: true });
  const plain = [];
  const rows = variants.map(() => []);
  const loads = [];
  for (let round = 0; round < rounds; round++) {
    const scratch = mkdtempSync(path.join(tmpdir(), 'sf-bench-fifty-'));
    loads.push(loadavg()[0]);
    plain.push(await byHand(commands, path.join(scratch, 'plain')));
    for (const [i, variant] of variants.entries()) {
      const row = await ours(path.join(scratch, `lib${i}`), variant.env);
      rows[i].push(row);
      commands = row.commands;
    }
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\nfifty: 50 clips of 4 s 720p, ${concurrency} at once, every 1 s; ${cpus().length} cores, 1-min load average at each round ${loads.map((l) => l.toFixed(1)).join(' ')} (median of ${rounds}):`);
  console.log(`${''.padEnd(34)}${pad('by hand', 9)}${pad('command', 9)}${pad('ratio', 7)}${pad('CPU', 13)}${pad('ratio', 7)}${pad('app', 7)}${pad('spawns', 8)}${pad('probes', 8)}${pad('to 1st', 8)}${pad('gap', 7)}${pad('after', 8)}`);
  const handSeconds = median(plain.map((run) => run.seconds));
  const handCpu = median(plain.map((run) => run.cpu));
  for (const [i, variant] of variants.entries()) {
    const m = (key) => median(rows[i].map((row) => row[key]));
    console.log(
      `${variant.label.slice(0, 33).padEnd(34)}${pad(secs(handSeconds), 9)}${pad(secs(m('seconds')), 9)}${pad((m('seconds') / handSeconds).toFixed(2), 7)}` +
        `${pad(`${handCpu.toFixed(1)}/${m('cpu').toFixed(1)} s`, 13)}${pad((m('cpu') / handCpu).toFixed(2), 7)}${pad(`${m('selfCpu').toFixed(2)} s`, 7)}` +
        `${pad(m('spawns'), 8)}${pad(m('probes'), 8)}${pad(`${m('toFirst').toFixed(0)} ms`, 8)}${pad(`${m('gap').toFixed(0)} ms`, 7)}${pad(`${m('after').toFixed(0)} ms`, 8)}   (target ≤ 1.10)`,
    );
  }
  console.log('(by hand = the same FFmpeg commands, same outputs, same concurrency; ratio = median command / median by hand;');
  console.log(' CPU = user + system seconds of by hand / of the command, all their processes; its ratio is steadier under load;');
  console.log(' app = of those, the Stillframe process\'s own (start-up, hashing, SQL, files, events); the rest past by hand is FFprobe and the watchdog shell;');
  console.log(' spawns = processes the ingest started; to 1st = until its first FFmpeg; gap = median time a slot stood empty');
  console.log(' between one FFmpeg ending and the next starting; after = from the last FFmpeg exit until the process was gone)');
}

rmSync(hookDir, { recursive: true, force: true });
console.log(`\nload average at the end: ${load()}`);
