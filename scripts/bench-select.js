// `npm run bench:select [-- quality cost features]`: frame selection (--dedupe, --min-sharpness, --pick), measured.
// - quality: pairs of sampled frames from real footage (../shared/media) and made clips, labelled by a person as "the
//   same picture" or not, against the dedupe rule at its default threshold: precision and recall; and how many frames
//   each filter keeps against plain sampling;
// - cost: extraction at --every 1 on the 1080p clip bench:extract makes, with and without the features (the third,
//   small YUV output of the thumbnail branch) and the selection, run alternately in this process, then the whole
//   `stillframe ingest` command both ways;
// - features: how many frames per second the feature computation handles, and the alternative of decoding the JPEG
//   thumbnails again instead (what "Remove near-duplicates…" does on a batch already in the library).
// Figures only: timing thresholds do not belong in tests on shared, noisy machines.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';

const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
const cli = path.resolve('out/main/cli.js');
const cache = path.resolve('.bench-cache');
const media = path.resolve('../shared/media');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const only = process.argv.slice(2);
const wanted = (part) => only.length === 0 || only.includes(part);
mkdirSync(cache, { recursive: true });

function run(args) {
  const result = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed`);
}

function made(name, make) {
  const file = path.join(cache, name);
  if (!existsSync(file)) {
    console.log(`making ${name}…`);
    make(file);
  }
  return file;
}

/** The clip bench:extract times: 60 s of 1080p testsrc2 at 30 fps with a keyframe every 2 s. */
const clip1080 = () =>
  made('testsrc2-1080p-60s-gop2.mp4', (file) =>
    run(['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=60', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', file]));

/**
 * A screen recording: a desktop with windows that change every few seconds (six static stretches of 6–12 s), a cursor
 * that wanders all the time and a clock-like box that blinks, at 1280x720 with a little noise from the encoder.
 * Stretch boundaries are known, so every pair of frames is labelled by construction.
 */
const screenStretches = [[0, 8], [8, 20], [20, 26], [26, 36], [36, 48], [48, 60]];
const screenClip = () =>
  made('screen-recording-720p-60s.mp4', (file) => {
    const windows = [
      'drawbox=x=100:y=80:w=600:h=400:color=white:t=fill',
      'drawbox=x=300:y=120:w=800:h=500:color=0xf0f0f0:t=fill,drawbox=x=320:y=160:w=760:h=40:color=0x3060c0:t=fill',
      'drawbox=x=50:y=50:w=1180:h=620:color=0x202020:t=fill,drawbox=x=80:y=100:w=500:h=20:color=0x40ff40:t=fill',
      'drawbox=x=200:y=200:w=400:h=300:color=0xffe0a0:t=fill,drawbox=x=650:y=150:w=500:h=450:color=0xa0d0ff:t=fill',
      'drawbox=x=100:y=80:w=1000:h=560:color=white:t=fill,drawbox=x=140:y=140:w=900:h=16:color=0x808080:t=fill,drawbox=x=140:y=180:w=700:h=16:color=0x808080:t=fill',
      'drawbox=x=0:y=0:w=1280:h=680:color=0x603080:t=fill,drawbox=x=400:y=200:w=480:h=320:color=0xffffff:t=fill',
    ];
    const stretches = screenStretches
      .map(([from, to], i) => windows[i].split(',').map((box) => `${box}:enable='between(t,${from},${to - 0.001})'`).join(','))
      .join(',');
    const taskbar = 'drawbox=x=0:y=680:w=1280:h=40:color=0x101010:t=fill';
    const cursor = "drawbox=x='640+500*sin(t*0.7)':y='360+250*sin(t*1.3)':w=12:h=18:color=black:t=fill";
    const blink = "drawbox=x=1200:y=690:w=60:h=20:color=0x808080:t=fill:enable='lt(mod(t,2),1)'";
    run(['-f', 'lavfi', '-i', 'color=c=0x3a6ea5:size=1280x720:rate=30:duration=60',
      '-vf', `${stretches},${taskbar},${cursor},${blink},noise=alls=3:allf=t`, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', file]);
  });

/**
 * A fixed camera: real pictures (an empty road, then a room, from the sample clips) each held for 15 s with sensor noise
 * and a slow exposure drift, joined by cuts.
 */
const fixedShots = [['car-detection.mp4', 1], ['one-by-one-person-detection.mp4', 2], ['bottle-detection.mp4', 1], ['car-detection.mp4', 20]];
const fixedCameraClip = () =>
  made('fixed-camera-60s.mp4', (file) => {
    const inputs = fixedShots.flatMap(([clip, at]) => ['-ss', String(at), '-i', path.join(media, clip)]);
    const held = fixedShots
      .map((_, i) => `[${i}:v]trim=end_frame=1,scale=768:432,setsar=1,loop=loop=149:size=1,setpts=N/10/TB,fps=10,` +
        `eq=brightness='0.03*sin(t)':eval=frame,noise=alls=8:allf=t[s${i}]`)
      .join(';');
    run([...inputs, '-filter_complex', `${held};${fixedShots.map((_, i) => `[s${i}]`).join('')}concat=n=${fixedShots.length}:v=1:a=0,format=yuv420p[v]`,
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', file]);
  });

/**
 * What a person saw, frame by frame, on contact sheets of the thumbnails this very extraction makes (one picture every
 * `every` s): E an empty scene, another letter a person (or car) standing still, T a frame where something is coming,
 * going or moving through. Two frames are the same
 * picture when they carry the same letter other than T.
 */
const labelled = {
  // Every 2 s: people walk in one by one, stand at the table, walk out.
  'one-by-one-person-detection.mp4': {
    every: 2,
    states: 'EEETAAAAAATTTBBBBBBBBBTEEETCCCCCCCCTEETDDDDTEEEFFFFFFFFFFFFTTETGGGGGTE',
  },
  // Every 1 s: an empty road, cars driving through.
  'car-detection.mp4': { every: 1, states: 'EEEEETTTTEEEEEETTTTTEEEEEETTEEE' },
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const now = () => performance.now();

async function loadModules() {
  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: false, root: process.cwd(), logLevel: 'error', appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  });
  const load = (file) => vite.ssrLoadModule(file);
  const [extract, probe, features, thumbs, selection] = await Promise.all([
    load('/electron/media/extract.ts'), load('/electron/media/probe.ts'), load('/electron/media/frame-features.ts'),
    load('/electron/media/thumbnail-features.ts'), load('/shared/frame-selection.ts'),
  ]);
  await vite.close();
  return { ...extract, ...probe, ...features, ...thumbs, ...selection };
}

const m = await loadModules();

async function extractAll(file, sampling, withFeatures) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sf-bench-select-'));
  const framesDir = path.join(dir, 'frames');
  const thumbsDir = path.join(dir, 'thumbs');
  mkdirSync(framesDir);
  mkdirSync(thumbsDir);
  const probe = await m.probeVideo(file, { keyframes: m.samplingUsesKeyframes({ sampling, jpegQuality: 3 }) });
  const started = now();
  const frames = await m.extractFrames({ input: file, probe, options: { sampling, jpegQuality: 3 }, framesDir, thumbsDir, features: withFeatures });
  const decisions = withFeatures ? m.selectFrames(frames.map((f) => f.features), { dedupe: m.defaultDedupeThreshold, minSharpness: m.defaultMinSharpness, pick: null }) : null;
  const ms = now() - started;
  return { frames, decisions, ms, dir, thumbsDir };
}

console.log(`machine: ${cpus().length} cores, load ${loadavg().map((n) => n.toFixed(2)).join(' ')}; ${rounds} rounds`);
console.log(`defaults: --dedupe ${m.defaultDedupeThreshold} (largest change of any of 8×8 regions, grey levels), --min-sharpness ${m.defaultMinSharpness} (variance of the Laplacian, 128×128)`);

if (wanted('quality')) {
  console.log('\nquality: labelled pairs (frames up to 3 samples apart), "same picture" = predicted duplicate at the default threshold');
  const pairs = [];
  const addPairs = (name, frames, sameAt) => {
    for (let i = 0; i < frames.length; i++) {
      for (let j = i + 1; j <= Math.min(frames.length - 1, i + 3); j++) {
        pairs.push({ clip: name, same: sameAt(i, j), distance: m.frameDistance(frames[i].features, frames[j].features) });
      }
    }
  };
  for (const [name, { every, states }] of Object.entries(labelled)) {
    const { frames, dir } = await extractAll(path.join(media, name), { mode: 'every', seconds: every }, true);
    rmSync(dir, { recursive: true, force: true });
    const state = (i) => states[Math.min(i, states.length - 1)];
    addPairs(name, frames.slice(0, states.length), (i, j) => state(i) !== 'T' && state(i) === state(j));
  }
  {
    const { frames, dir } = await extractAll(screenClip(), { mode: 'every', seconds: 1 }, true);
    rmSync(dir, { recursive: true, force: true });
    const stretch = (ms) => screenStretches.findIndex(([from, to]) => ms >= from * 1000 && ms < to * 1000);
    addPairs('screen recording (made)', frames, (i, j) => stretch(frames[i].timestampMs) === stretch(frames[j].timestampMs));
  }
  {
    const { frames, dir } = await extractAll(fixedCameraClip(), { mode: 'every', seconds: 1 }, true);
    rmSync(dir, { recursive: true, force: true });
    const shot = (ms) => Math.floor(ms / 15000);
    addPairs('fixed camera (made)', frames, (i, j) => shot(frames[i].timestampMs) === shot(frames[j].timestampMs));
  }
  const score = (list, threshold) => {
    const tp = list.filter((p) => p.same && p.distance <= threshold).length;
    const fp = list.filter((p) => !p.same && p.distance <= threshold).length;
    const fn = list.filter((p) => p.same && p.distance > threshold).length;
    return { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
  };
  const rows = [...new Set(pairs.map((p) => p.clip)), 'all'].map((clip) => {
    const list = clip === 'all' ? pairs : pairs.filter((p) => p.clip === clip);
    const { precision, recall } = score(list, m.defaultDedupeThreshold);
    return [clip, String(list.length), String(list.filter((p) => p.same).length), precision.toFixed(3), recall.toFixed(3)];
  });
  console.table(rows.map(([clip, n, same, precision, recall]) => ({ clip, pairs: n, same, precision, recall })));
  console.log('threshold sweep (all pairs):');
  console.table([12, 16, 20, 24, 28, 32, 40].map((t) => ({ threshold: t, ...Object.fromEntries(Object.entries(score(pairs, t)).map(([k, v]) => [k, v.toFixed(3)])) })));

  console.log('\nframes kept against plain sampling (--every 1):');
  const kept = [];
  const clips = [
    ...readdirSync(media).filter((name) => /\.(mp4|mkv)$/.test(name)).map((name) => [name, path.join(media, name)]),
    ['screen recording (made)', screenClip()],
    ['fixed camera (made)', fixedCameraClip()],
  ];
  for (const [name, file] of clips) {
    const { frames, dir } = await extractAll(file, { mode: 'every', seconds: 1 }, true);
    rmSync(dir, { recursive: true, force: true });
    const features = frames.map((f) => f.features);
    const count = (selection) => m.countDecisions(m.selectFrames(features, { dedupe: null, minSharpness: null, pick: null, ...selection })).kept;
    kept.push({
      clip: name,
      plain: frames.length,
      '--dedupe': count({ dedupe: m.defaultDedupeThreshold }),
      '--min-sharpness': count({ minSharpness: m.defaultMinSharpness }),
      '--dedupe --min-sharpness': count({ dedupe: m.defaultDedupeThreshold, minSharpness: m.defaultMinSharpness }),
      '--pick 10': count({ pick: 10 }),
    });
  }
  console.table(kept);
}

if (wanted('cost')) {
  const clip = clip1080();
  console.log('\ncost: --every 1 on 60 s of 1080p (60 frames), in this process, alternating; features + --dedupe --min-sharpness vs plain:');
  const plain = [];
  const selected = [];
  for (let round = 0; round < rounds; round++) {
    for (const [list, withFeatures] of [[plain, false], [selected, true]]) {
      const result = await extractAll(clip, { mode: 'every', seconds: 1 }, withFeatures);
      rmSync(result.dir, { recursive: true, force: true });
      list.push(result.ms);
    }
  }
  console.log(`  in-app extraction: plain ${seconds(median(plain))}, with selection ${seconds(median(selected))}, ratio ${(median(selected) / median(plain)).toFixed(3)}`);

  // Wall time on a shared machine swings with the other work on it; FFmpeg's own -benchmark counts the CPU time its
  // process used, which the neighbours do not change: the same graph with and without the features output.
  const dir = mkdtempSync(path.join(tmpdir(), 'sf-bench-select-cpu-'));
  const branch = `[0:V:0]select='isnan(prev_selected_t)+gte(t-prev_selected_t,1)',format=pix_fmts=yuvj420p|yuvj422p|yuvj444p,split=2[full][t_in];` +
    "[t_in]scale=w='min(320,iw)':h='min(320,ih)':force_original_aspect_ratio=decrease";
  const jpegs = ['-map', '[full]', '-fps_mode', 'passthrough', '-q:v', '3', path.join(dir, 'f_%06d.jpg'),
    '-map', '[thumb]', '-fps_mode', 'passthrough', '-q:v', '3', path.join(dir, 't_%06d.jpg')];
  const cpu = (withFeatures) => {
    const graph = withFeatures ? `${branch},split=2[thumb][x_in];[x_in]${m.featureFilter}[x]` : `${branch}[thumb]`;
    const extra = withFeatures ? ['-map', '[x]', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', m.featurePixelFormat, path.join(dir, 'x.yuv')] : [];
    const result = spawnSync(ffmpeg, ['-hide_banner', '-nostdin', '-y', '-benchmark', '-i', clip, '-filter_complex', graph, ...jpegs, ...extra], { encoding: 'utf8' });
    const match = /utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(result.stderr);
    if (!match) throw new Error(result.stderr.slice(-2000));
    return { cpu: Number(match[1]) + Number(match[2]), wall: Number(match[3]) };
  };
  const cpuPlain = [];
  const cpuFeatures = [];
  for (let round = 0; round < rounds; round++) {
    cpuPlain.push(cpu(false).cpu);
    cpuFeatures.push(cpu(true).cpu);
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`  FFmpeg CPU time (user + sys) of the same graph: plain ${median(cpuPlain).toFixed(2)} s, with the features output ` +
    `${median(cpuFeatures).toFixed(2)} s, ratio ${(median(cpuFeatures) / median(cpuPlain)).toFixed(3)}`);

  if (existsSync(cli)) {
    const node = path.resolve('node_modules/.bin/node');
    const command = (flags) => {
      const library = mkdtempSync(path.join(tmpdir(), 'sf-bench-select-cli-'));
      const started = now();
      const result = spawnSync(node, [cli, 'ingest', clip, '--library', library, '--project', 'Bench', '--batch', 'B', '--every', '1', ...flags, '--json'], { encoding: 'utf8' });
      const ms = now() - started;
      rmSync(library, { recursive: true, force: true });
      if (result.status !== 0) throw new Error(result.stderr);
      return ms;
    };
    const cliPlain = [];
    const cliSelected = [];
    for (let round = 0; round < rounds; round++) {
      cliPlain.push(command([]));
      cliSelected.push(command(['--dedupe', '--min-sharpness']));
    }
    console.log(`  stillframe ingest: plain ${seconds(median(cliPlain))}, --dedupe --min-sharpness ${seconds(median(cliSelected))}, ratio ${(median(cliSelected) / median(cliPlain)).toFixed(3)}`);
  } else {
    console.log('  (build first, npm run build, to time the stillframe ingest command as well)');
  }
}

if (wanted('features')) {
  console.log('\nfeatures:');
  const picture = new Uint8Array(m.featureBytes).map((_, i) => (i * 7919) % 251);
  const count = 5000;
  const started = now();
  for (let i = 0; i < count; i++) m.computeFeatures(picture);
  const perSecond = count / ((now() - started) / 1000);
  console.log(`  computeFeatures on a 128×128 YUV 4:4:4 picture: ${Math.round(perSecond)} frames/s (one core)`);
  const selectionStarted = now();
  const many = Array.from({ length: 10000 }, (_, i) => ({ grid: new Uint8Array(192).map((_, k) => (k * 31 + i * 7) % 256), sharpness: i % 100 }));
  m.selectFrames(many, { dedupe: m.defaultDedupeThreshold, minSharpness: m.defaultMinSharpness, pick: 100 });
  console.log(`  selectFrames on 10,000 frames with --pick 100: ${Math.round(now() - selectionStarted)} ms`);
  const { frames, dir, thumbsDir } = await extractAll(clip1080(), { mode: 'every', seconds: 0.25 }, false);
  const thumbnails = frames.map((f) => path.join(thumbsDir, f.fileName));
  const decodeStarted = now();
  await m.thumbnailFeatures(thumbnails, dir);
  const decodeMs = now() - decodeStarted;
  rmSync(dir, { recursive: true, force: true });
  console.log(`  decoding the JPEG thumbnails again instead (FFmpeg, one process): ${thumbnails.length} in ${seconds(decodeMs)}, ` +
    `${Math.round(thumbnails.length / (decodeMs / 1000))} frames/s`);
}
