// `npm run bench:extract`: Stillframe's extraction against plain FFmpeg on the same files and sampling, run
// alternately, with ratios. Figures only: timing thresholds do not belong in tests on shared, noisy machines.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
const cli = path.resolve('out/main/cli.js');
const cache = path.resolve('.bench-cache');
const media = path.resolve('../shared/media');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const thumbScale = "scale='min(320,iw)':'min(320,ih)':force_original_aspect_ratio=decrease";

if (!existsSync(cli)) {
  console.error('Build first: npm run build');
  process.exit(2);
}
mkdirSync(cache, { recursive: true });

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

/** Runs a command, returning wall seconds and the peak resident memory of the process itself (MB). */
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
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0 && code !== 1) reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}`));
      else resolve({ seconds, peakMb: peakKb / 1024 });
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
  return [cli, 'ingest', ...inputs, '--library', library, '--project', 'Bench', '--batch', `b${Math.random()}`, ...sampling, '--json'];
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function compare(label, input, sampling, filter) {
  const ours = [];
  const theirs = [];
  for (let round = 0; round < rounds; round++) {
    const scratch = mkdtempSync(path.join(tmpdir(), 'sf-bench-'));
    theirs.push((await timed(ffmpeg, plainFfmpegArgs(input, path.join(scratch, 'plain'), filter))).seconds);
    ours.push((await timed(process.execPath, stillframeArgs([input], path.join(scratch, 'lib'), sampling))).seconds);
    rmSync(scratch, { recursive: true, force: true });
  }
  const ratio = median(ours) / median(theirs);
  console.log(`${label.padEnd(52)} stillframe ${median(ours).toFixed(2)} s   ffmpeg ${median(theirs).toFixed(2)} s   ratio ${ratio.toFixed(2)}`);
  return ratio;
}

const clip60 = makeClip('testsrc2-1080p-60s-gop2.mp4', 60, 2);
const clip300 = makeClip('testsrc2-1080p-300s-gop10.mp4', 300, 10);

console.log(`\nmedian of ${rounds} alternating runs; stillframe = the whole \`stillframe ingest\` command (start-up, probe, hash, extract, commit)\n`);
console.log('every 1 s, full-size JPEG + 320 px thumbnail (target ratio ≤ 1.10):');
await compare('1080p testsrc2, 60 s, GOP 2 s', clip60, ['--every', '1'], 'fps=1');
for (const name of ['bottle-detection.mp4', 'car-detection.mp4', 'one-by-one-person-detection.mp4', 'milk.mkv']) {
  await compare(name, path.join(media, name), ['--every', '1'], 'fps=1');
}
console.log('\nsparse: every 30 s on 5 min of 1080p with a 10 s GOP, against plain `ffmpeg -vf fps=1/30` (target ratio ≤ 0.5):');
await compare('1080p testsrc2, 300 s, GOP 10 s', clip300, ['--every', '30'], 'fps=1/30');

console.log('\nmemory: four videos extracting at once (STILLFRAME_CONCURRENCY=4):');
const scratch = mkdtempSync(path.join(tmpdir(), 'sf-bench-'));
const four = ['bottle-detection.mp4', 'car-detection.mp4', 'one-by-one-person-detection.mp4'].map((n) => path.join(media, n)).concat(clip60);
const memory = await timed(process.execPath, stillframeArgs(four, path.join(scratch, 'lib'), ['--every', '1']), { STILLFRAME_CONCURRENCY: '4' });
console.log(`peak resident memory of the Stillframe process (FFmpeg children not included): ${memory.peakMb.toFixed(0)} MB, wall ${memory.seconds.toFixed(2)} s`);
rmSync(scratch, { recursive: true, force: true });
