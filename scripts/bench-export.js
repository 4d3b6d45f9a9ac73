// `npm run bench:export`: exporting 10,000 frames with 100,000 shapes to COCO and YOLO through the built CLI, each
// run in its own process so that its wall time and peak memory (the process's maximum resident set) are its own.
// The baseline is the obvious way to write COCO: read every frame and shape into memory, build the whole object,
// JSON.stringify it and write the string. A 1,000-frame batch of the same library shows how each grows with size.
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const frameCount = Number(process.env.BENCH_FRAMES ?? 10_000);
const shapesPerFrame = Number(process.env.BENCH_SHAPES_PER_FRAME ?? 10);
const smallBatch = Math.min(1_000, Math.floor(frameCount / 10));
const shapeCount = (frameCount * shapesPerFrame).toLocaleString();
const cli = path.resolve('out/main/cli.js');
const marker = 'BENCH_MAX_RSS_KB=';
const cpuMarker = 'BENCH_CPU_MS=';

/** The baseline, run as its own process: `node scripts/bench-export.js --naive LIBRARY BATCH|- OUT`. */
function naiveCoco(library, batchName, out) {
  const db = new DatabaseSync(path.join(library, 'stillframe.db'), { readOnly: true });
  const labels = db.prepare('SELECT id, name FROM labels ORDER BY created_at, id').all();
  const category = new Map(labels.map((label, i) => [label.id, i + 1]));
  const frames = db
    .prepare(
      `SELECT f.* FROM frames f JOIN batches b ON b.id = f.batch_id JOIN videos v ON v.id = f.video_id
       WHERE ? = '-' OR b.name = ? ORDER BY b.created_at, v.created_at, v.id, f.frame_index`,
    )
    .all(batchName, batchName);
  const shapes = db.prepare('SELECT * FROM shapes ORDER BY frame_id, z_index, id').all();
  const byFrame = new Map();
  for (const shape of shapes) byFrame.set(shape.frame_id, [...(byFrame.get(shape.frame_id) ?? []), shape]);
  const coco = { info: { description: 'naive' }, licenses: [], categories: labels.map((label, i) => ({ id: i + 1, name: label.name })), images: [], annotations: [] };
  frames.forEach((frame, i) => {
    coco.images.push({ id: i + 1, file_name: path.basename(frame.path), width: frame.width, height: frame.height });
    for (const shape of byFrame.get(frame.id) ?? []) {
      const points = JSON.parse(shape.points);
      const xs = points.filter((_, j) => j % 2 === 0);
      const ys = points.filter((_, j) => j % 2 === 1);
      const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)];
      coco.annotations.push({
        id: coco.annotations.length + 1,
        image_id: i + 1,
        category_id: category.get(shape.label_id),
        bbox: box,
        area: box[2] * box[3],
        iscrowd: 0,
        segmentation: shape.type === 'point' ? [] : [points],
        ...(shape.type === 'point' ? { keypoints: [...points, 2], num_keypoints: 1 } : {}),
      });
    }
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'instances.json'), JSON.stringify(coco));
}

if (process.argv[2] === '--naive') {
  naiveCoco(process.argv[3], process.argv[4], process.argv[5]);
  process.exit(0);
}
// The least any import of the file must hold: the file read whole and parsed, as the import did before it streamed.
if (process.argv[2] === '--parse') {
  const parsed = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  console.log(JSON.stringify({ frames: parsed.frames?.length ?? parsed.images?.length }));
  process.exit(0);
}

if (!existsSync(cli)) {
  console.error('Build first: npm run build');
  process.exit(2);
}

const hookDir = mkdtempSync(path.join(tmpdir(), 'sf-export-hook-'));
const rssHook = path.join(hookDir, 'max-rss.mjs');

function run(args) {
  const result = spawnSync(process.execPath, ['--import', rssHook, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}`);
  return result;
}

const median = (values) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

/**
 * Wall time, CPU and peak RSS of one command, each run in a fresh process; the median of each over the runs. An
 * import's --json output also gives the time to its commit (when the person can browse and annotate) and the
 * thumbnail pass's time after it, which the whole process's wall time includes. `beside`, when given, is run just
 * before each run and timed on its own: the disk's speed moves from moment to moment on a shared machine, so what an
 * import is bound by is told by a copy of its images made at the same moment.
 */
function measure(args, runs, beside) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    let besideMs = Number.NaN;
    if (beside) {
      const started = performance.now();
      run(beside(i));
      besideMs = performance.now() - started;
    }
    const command = args(i);
    const started = performance.now();
    const result = run(command);
    const wallMs = performance.now() - started;
    const lines = result.stderr.split('\n');
    const rssKb = Number(lines.find((line) => line.startsWith(marker))?.slice(marker.length));
    const cpuMs = Number(lines.find((line) => line.startsWith(cpuMarker))?.slice(cpuMarker.length));
    let output;
    try {
      output = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '');
    } catch {
      output = null;
    }
    samples.push({ wallMs, cpuMs, rssMb: rssKb / 1024, importMs: output?.import?.durationMs, thumbnailsMs: output?.thumbnails?.durationMs, besideMs });
  }
  const of = (key) => median(samples.map((sample) => sample[key]));
  return { wallMs: of('wallMs'), cpuMs: of('cpuMs'), rssMb: of('rssMb'), importMs: of('importMs'), thumbnailsMs: of('thumbnailsMs'), besideMs: of('besideMs'), runs };
}

/**
 * A real library: one short clip ingested by the CLI (its video, batch and first frames), then frame rows and shapes
 * added through the library's own store functions (loaded from the TypeScript sources by Vite), every frame's image a
 * hard link to one of the clip's real frames.
 */
async function makeLibrary() {
  const library = mkdtempSync(path.join(tmpdir(), 'sf-export-bench-'));
  const ingest = spawnSync(process.execPath, [cli, 'ingest', path.resolve('../shared/media/milk.mkv'), '--library', library, '--project', 'Bench',
    '--batch', 'Nine thousand', '--json'], { encoding: 'utf8' });
  if (ingest.status !== 0) throw new Error(ingest.stderr);

  const { createServer } = await import('vite');
  const vite = await createServer({ configFile: false, root: process.cwd(), logLevel: 'error', appType: 'custom', server: { middlewareMode: true, hmr: false, ws: false } });
  const load = (file) => vite.ssrLoadModule(file);
  const [{ openServices }, { createLabel, restoreShapes }, { createBatch }, { insertFrames }, { transaction }, { uuidv7 }, { findProjectByName }] = await Promise.all([
    load('/electron/services.ts'), load('/electron/library/annotations.ts'), load('/electron/library/batches.ts'), load('/electron/library/frames.ts'),
    load('/electron/library/database.ts'), load('/shared/ids.ts'), load('/electron/library/projects.ts'),
  ]);
  const services = openServices({ libraryDir: library });
  const { db } = services;
  const project = findProjectByName(db, 'Bench');
  const video = db.prepare('SELECT * FROM videos').get();
  const real = db.prepare('SELECT * FROM frames ORDER BY frame_index').all();
  const small = createBatch(db, project.id, 'One thousand');

  const labels = ['car', 'traffic light', 'Fußgänger', 'bus stop', '自転車'].map((name, i) =>
    createLabel(db, { projectId: project.id, name, color: ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4'][i], hotkey: null, attributes: [] }));

  const folder = path.dirname(real[0].path);
  const thumbs = path.dirname(real[0].thumb_path);
  const rows = [];
  for (let index = real.length + 1; index <= frameCount; index++) {
    const name = `frame_${String(index).padStart(6, '0')}.jpg`;
    const source = real[index % real.length];
    linkSync(path.join(library, source.path), path.join(library, folder, name));
    linkSync(path.join(library, source.thumb_path), path.join(library, thumbs, name));
    rows.push({ index, timestampMs: index * 40, width: source.width, height: source.height, path: `${folder}/${name}`, thumbPath: `${thumbs}/${name}` });
  }
  transaction(db, () => {
    insertFrames(db, video.id, small.id, rows.slice(0, smallBatch));
    insertFrames(db, video.id, video.batch_id, rows.slice(smallBatch));
  });

  const frames = db.prepare('SELECT id, width, height FROM frames').all();
  let random = 1;
  const next = () => (random = (random * 48271) % 2147483647) / 2147483647;
  let pending = [];
  const flush = () => {
    restoreShapes(db, pending);
    pending = [];
  };
  for (const frame of frames) {
    for (let i = 0; i < shapesPerFrame; i++) {
      const x = next() * (frame.width - 60);
      const y = next() * (frame.height - 60);
      const kind = i % 10;
      const points = kind < 6 ? [x, y, x + 10 + next() * 50, y + 10 + next() * 50]
        : kind < 9 ? [x, y, x + 40, y + 5, x + 50, y + 45, x + 20, y + 55, x + 2, y + 30]
          : [x, y];
      pending.push({ id: uuidv7(), frameId: frame.id, type: kind < 6 ? 'rectangle' : kind < 9 ? 'polygon' : 'point', points,
        labelId: labels[i % labels.length].id, note: '', attributes: {}, hidden: false, locked: false });
    }
    if (pending.length >= 10_000) flush();
  }
  if (pending.length > 0) flush();
  await services.close();
  await vite.close();
  return library;
}

// Linux keeps getrusage's maxrss across exec, so a child would report its parent's peak; VmHWM belongs to the new
// address space and starts afresh. Elsewhere maxrss is the best there is.
writeFileSync(
  rssHook,
  `import { readFileSync } from 'node:fs';
process.on('exit', () => {
  let kb = process.resourceUsage().maxRSS;
  try { kb = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } catch {}
  const cpu = process.cpuUsage();
  process.stderr.write('\\n${marker}' + kb + '\\n${cpuMarker}' + Math.round((cpu.user + cpu.system) / 1000) + '\\n');
});
`,
);

console.log(`building a library of ${frameCount.toLocaleString()} frames with ${(frameCount * shapesPerFrame).toLocaleString()} shapes…`);
const scratch = mkdtempSync(path.join(tmpdir(), 'sf-export-out-'));
const out = (name, i) => path.join(scratch, `${name}-${i}`);
const source = path.join(scratch, 'stillframe-source');
const kept = mkdtempSync(path.join(tmpdir(), 'sf-import-bench-'));
const rows = [];
let library = null;
try {
  library = await makeLibrary();
  const exportArgs = (name, format, ...extra) => (i) => [cli, 'export', '--library', library, '--project', 'Bench', '--format', format, '--out', out(name, i), '--json', ...extra];
  const naive = (batch, name) => (i) => [path.resolve('scripts/bench-export.js'), '--naive', library, batch, out(name, i)];
  run([cli, 'export', '--library', library, '--project', 'Bench', '--format', 'stillframe', '--images', 'link', '--out', source]);
  // The same project as COCO and YOLO datasets with their images, for imports into an empty library.
  for (const format of ['coco', 'yolo']) run([cli, 'export', '--library', library, '--project', 'Bench', '--format', format, '--images', 'link', '--out', path.join(kept, `${format}-set`)]);
  const intoEmpty = (format, from) => (i) => {
    rmSync(out(`imported-${format}`, i), { recursive: true, force: true });
    return [cli, 'import', '--library', out(`imported-${format}`, i), '--project', 'Bench', '--format', format, '--from', from, '--json'];
  };
  const copyImages = (from) => (i) => {
    rmSync(out('copied', i), { recursive: true, force: true });
    return ['-e', `require('node:child_process').execFileSync('cp', ['-r', ${JSON.stringify(from)}, ${JSON.stringify(out('copied', i))}])`];
  };
  // Import rows read the CVAT and COCO exports back into copies of the library's database without its shapes, so
  // every image is a known frame and every shape is new: the parse, the plan and the inserts, not thumbnails.
  for (const format of ['cvat', 'coco']) run([cli, 'export', '--library', library, '--project', 'Bench', '--format', format, '--images', 'none', '--out', path.join(kept, format)]);
  const importArgs = (format, from, i) => {
    const copy = path.join(kept, `library-${format}-${i}`);
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(copy, { recursive: true });
    const db = new DatabaseSync(path.join(library, 'stillframe.db'));
    db.exec(`VACUUM INTO '${path.join(copy, 'stillframe.db').replaceAll("'", "''")}'`);
    db.close();
    const emptied = new DatabaseSync(path.join(copy, 'stillframe.db'));
    emptied.exec('DELETE FROM shapes');
    emptied.close();
    return [cli, 'import', '--library', copy, '--project', 'Bench', '--format', format, '--from', from, '--json'];
  };
  const cases = [
    ['COCO, images referenced (--images none)', exportArgs('coco-none', 'coco', '--images', 'none')],
    ['naive COCO: whole dataset in memory, JSON.stringify', naive('-', 'naive')],
    ['COCO, images hard-linked', exportArgs('coco-link', 'coco', '--images', 'link')],
    ['COCO, images copied', exportArgs('coco-copy', 'coco', '--images', 'copy')],
    ['YOLO, images hard-linked', exportArgs('yolo-link', 'yolo', '--images', 'link')],
    ['YOLO segments, 20% val split, hard-linked', exportArgs('yolo-split', 'yolo', '--images', 'link', '--yolo-segments', '--val-ratio', '0.2')],
    ['YOLO, one zip with the images stored', exportArgs('yolo-zip', 'yolo', '--zip')],
    ['Stillframe JSON, images hard-linked', exportArgs('stillframe', 'stillframe', '--images', 'link')],
    [`COCO, ${smallBatch.toLocaleString()}-frame batch, images referenced`, exportArgs('coco-small', 'coco', '--images', 'none', '--batch', 'One thousand')],
    [`naive COCO, ${smallBatch.toLocaleString()}-frame batch`, naive('One thousand', 'naive-small')],
    ['CVAT XML, images referenced (--images none)', exportArgs('cvat-none', 'cvat', '--images', 'none')],
    [`import that CVAT XML (frames matched, ${shapeCount} shapes new)`, (i) => importArgs('cvat', path.join(kept, 'cvat'), i)],
    [`import that COCO file (frames matched, ${shapeCount} shapes new)`, (i) => importArgs('coco', path.join(kept, 'coco', 'annotations', 'instances.json'), i)],
    ['the CLI doing nothing (`projects`), for scale', () => [cli, 'projects', '--library', library]],
    // Imports into an empty library: every image copied in, every shape new, then the thumbnail pass.
    ['baseline: cp -r of the Stillframe export\'s images', copyImages(path.join(source, 'images'))],
    ['baseline: JSON.parse of the whole stillframe.json', () => [path.resolve('scripts/bench-export.js'), '--parse', path.join(source, 'stillframe.json')]],
    ['import the Stillframe JSON into an empty library', intoEmpty('stillframe', source), 3, copyImages(path.join(source, 'images'))],
    ['import the COCO dataset into an empty library', intoEmpty('coco', path.join(kept, 'coco-set')), 3, copyImages(path.join(kept, 'coco-set', 'images'))],
    ['import the YOLO dataset into an empty library', intoEmpty('yolo', path.join(kept, 'yolo-set')), 3, copyImages(path.join(kept, 'yolo-set', 'images'))],
  ];
  // BENCH_ONLY=regex runs only the rows whose label matches (the library is built all the same).
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : null;
  // Each row's outputs are set aside, not deleted, until every row has run. ext4 without a journal (this machine's
  // disk) avoids reusing an inode freed in the last minute (six while its inode table is unwritten), and every file
  // created scans past each such inode of its group. Deleting a row's files (90,000 after an import row) thus slowed
  // the next row's copies: 10,000 copies into a folder took 5.2–5.7 s of system time just after 30,000 files there
  // were deleted, against 1.0 s before, 71% of it in that scan.
  const setAside = path.join(scratch, 'done');
  mkdirSync(setAside);
  for (const [n, [label, args, runs = 3, beside]] of cases.filter(([label]) => only === null || only.test(label)).entries()) {
    rows.push({ label, ...measure(args, runs, beside) });
    for (const entry of readdirSync(scratch)) {
      if (![source, setAside].includes(path.join(scratch, entry))) renameSync(path.join(scratch, entry), path.join(setAside, `${n}-${entry}`));
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(kept, { recursive: true, force: true });
  if (library) rmSync(library, { recursive: true, force: true });
  rmSync(hookDir, { recursive: true, force: true });
}

const load = loadavg().map((value) => value.toFixed(2)).join(' ');
console.log(`\n${frameCount.toLocaleString()} frames, ${(frameCount * shapesPerFrame).toLocaleString()} shapes; Node ${process.version}, ${cpus().length} cores, load average ${load}; medians of 3 runs`);
console.log('An import\'s "to commit" is until its rows are in and the person can browse and annotate (each new frame shows its full');
console.log('image meanwhile); "thumbnails" is the pass after it, run to the end here; wall and peak RSS are the whole process, both.\n');
// CPU is the process's own user + system time: on a machine shared with other work it moves less than wall time.
console.log(`${'command'.padEnd(62)}${'wall'.padStart(10)}${'CPU'.padStart(10)}${'peak RSS'.padStart(12)}${'to commit'.padStart(12)}${'thumbnails'.padStart(12)}`);
for (const row of rows) {
  const seconds = (ms, width = 10) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '').padStart(width);
  console.log(`${row.label.padEnd(62)}${seconds(row.wallMs)}${seconds(row.cpuMs)}${`${row.rssMb.toFixed(0)} MB`.padStart(12)}${seconds(row.importMs, 12)}${seconds(row.thumbnailsMs, 12)}`);
}
// A ratio whose rows BENCH_ONLY left out says so, rather than NaN×.
const ratio = (key, importLabel, exportLabel) => {
  const of = (label) => rows.find((row) => row.label.startsWith(label))?.[key];
  const [imported, exported] = [of(importLabel), of(exportLabel)];
  return imported === undefined || exported === undefined ? 'not run' : `${(imported / exported).toFixed(2)}×`;
};
// What bounds an import's time to commit: copying its images, timed with cp -r of the same files just before each
// run; the rest is parsing, planning and SQLite, on the dataset thread.
for (const row of rows.filter((candidate) => Number.isFinite(candidate.besideMs))) {
  const rest = row.importMs - row.besideMs;
  console.log(`${row.label}: to commit ${(row.importMs / 1000).toFixed(2)} s; cp -r of its images just before each run ${(row.besideMs / 1000).toFixed(2)} s; the rest ${(rest / 1000).toFixed(2)} s`);
}
for (const key of ['wallMs', 'cpuMs']) {
  console.log(`import ÷ export (${key === 'wallMs' ? 'wall' : 'CPU'}): CVAT XML ${ratio(key, 'import that CVAT', 'CVAT XML, images referenced')}, COCO ${ratio(key, 'import that COCO', 'COCO, images referenced')} (the goal: at most 2×)`);
}
