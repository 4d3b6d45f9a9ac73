// `npm run bench:library`: the library's bulk write path against the store's one-row functions, writing 10,000 frames
// with 100,000 shapes into a library made by the CLI; what that costs on disk per frame and per shape, and whether
// deleting half the project and writing it again grows the file; then COCO export of 100,000 and 1,000,000 shapes
// (time and peak memory, to show linear time and flat memory) against the naive whole-dataset-in-memory COCO of
// bench:export. Every write and export runs in its own process, so its wall time and peak RSS are its own.
// BENCH_FRAMES, BENCH_SHAPES_PER_FRAME and BENCH_EXPORT_FRAMES (comma-separated) size it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const frameCount = Number(process.env.BENCH_FRAMES ?? 10_000);
const shapesPerFrame = Number(process.env.BENCH_SHAPES_PER_FRAME ?? 10);
const exportFrames = (process.env.BENCH_EXPORT_FRAMES ?? '10000,100000').split(',').map(Number);
const cli = path.resolve('out/main/cli.js');
const marker = 'BENCH_MAX_RSS_KB=';
const timeMarker = 'BENCH_WRITE_MS=';
const baseMarker = 'BENCH_BASE_RSS_KB=';

const rssNowKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);

/** The same scene every time: 6 in 10 rectangles, 3 five-point polygons, 1 point; shapes per frame as asked. */
function* scene(frames, labelIds, uuidv7) {
  let random = 1;
  const next = () => (random = (random * 48271) % 2147483647) / 2147483647;
  for (const frame of frames) {
    const shapes = [];
    for (let i = 0; i < shapesPerFrame; i++) {
      const x = next() * (frame.width - 60);
      const y = next() * (frame.height - 60);
      const kind = i % 10;
      const points = kind < 6 ? [x, y, x + 10 + next() * 50, y + 10 + next() * 50]
        : kind < 9 ? [x, y, x + 40, y + 5, x + 50, y + 45, x + 20, y + 55, x + 2, y + 30]
          : [x, y];
      shapes.push({ id: uuidv7(), frameId: frame.id, type: kind < 6 ? 'rectangle' : kind < 9 ? 'polygon' : 'point', points,
        labelId: labelIds[i % labelIds.length], note: '', attributes: {}, hidden: false, locked: false, zIndex: i });
    }
    yield { frame, shapes };
  }
}

/**
 * Child: `node bench-library.js --write bulk|store LIBRARY FRAMES [FIRST_INDEX]` adds FRAMES frames (and their shapes)
 * to the Bench project's video, through the bulk writer or through the store's one-row functions.
 */
const storeModules = {
  database: 'electron/library/database.ts', bulk: 'electron/library/bulk-write.ts', frames: 'electron/library/frames.ts',
  annotations: 'electron/library/annotations.ts', ids: 'shared/ids.ts', paths: 'electron/library/paths.ts', geometry: 'shared/geometry.ts',
};

/**
 * The store's modules built from the TypeScript sources by Vite into plain ES modules, once, for the children to
 * import: a child that loaded them through Vite's dev server would carry some 350 MB of Vite in its peak RSS.
 */
async function buildStore(outDir) {
  const { build } = await import('vite');
  await build({
    configFile: false, logLevel: 'error', root: process.cwd(),
    build: { ssr: true, outDir, emptyOutDir: true, minify: false, rollupOptions: { input: storeModules, output: { format: 'es', entryFileNames: '[name].mjs' } } },
  });
}

async function loadStore() {
  const dir = process.env.BENCH_STORE_DIR;
  const modules = await Promise.all(Object.keys(storeModules).map((name) => import(path.join(dir, `${name}.mjs`))));
  return Object.assign({}, ...modules);
}

/** Child: `node bench-library.js --delete LIBRARY N` deletes the last N frames the way the app does (hide, then purge). */
async function deleteChild(library, count) {
  const { openDatabase, softDeleteFrames, purgeDeletedFrames, libraryPaths } = await loadStore();
  const db = openDatabase(path.join(library, 'stillframe.db'));
  const ids = db.prepare('SELECT id FROM frames ORDER BY frame_index DESC LIMIT ?').all(count).map((row) => row.id);
  for (let i = 0; i < ids.length; i += 10_000) softDeleteFrames(db, ids.slice(i, i + 10_000));
  purgeDeletedFrames(db, libraryPaths(library));
  db.close();
}

async function writeChild(mode, library, count, firstIndex) {
  const { openDatabase, transaction, bulkWrite, insertFrames, restoreShapes, uuidv7, createLabel, prepareGeometry } = await loadStore();
  const db = openDatabase(path.join(library, 'stillframe.db'));
  const video = db.prepare('SELECT * FROM videos').get();
  const real = db.prepare('SELECT * FROM frames ORDER BY frame_index LIMIT 1').get();
  if (!db.prepare('SELECT 1 FROM labels').get()) {
    for (const [i, name] of ['car', 'traffic light', 'Fußgänger', 'bus stop', '自転車'].entries()) {
      createLabel(db, { projectId: video.project_id, name, color: ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4'][i], hotkey: null, attributes: [] });
    }
  }
  const labelIds = db.prepare('SELECT id FROM labels ORDER BY created_at').all().map((row) => row.id);
  const frames = function* () {
    for (let i = 0; i < count; i++) {
      const index = firstIndex + i;
      yield { id: uuidv7(), videoId: video.id, batchId: video.batch_id, index, timestampMs: index * 40, width: real.width, height: real.height,
        path: real.path, thumbPath: real.thumb_path };
    }
  };
  process.stderr.write(`\n${baseMarker}${rssNowKb()}\n`);
  const started = performance.now();
  if (mode === 'bulk') {
    bulkWrite(db, { outbox: true }, (writer) => {
      for (const { frame, shapes } of scene(frames(), labelIds, uuidv7)) {
        writer.frame(frame);
        // The checks an import makes before handing shapes over: geometry fitted to the frame (labels are its own).
        for (const shape of shapes) writer.shape({ ...shape, points: prepareGeometry(shape.type, shape.points, frame) });
      }
    });
  } else {
    // The store as an import would use it without a bulk path: frames through insertFrames, shapes through
    // restoreShapes (which checks each shape's frame, label and existing row), all in one transaction.
    transaction(db, () => {
      const batch = [];
      for (const frame of frames()) batch.push(frame);
      insertFrames(db, video.id, video.batch_id, batch);
      const ids = db.prepare('SELECT id, width, height FROM frames WHERE video_id = ? AND frame_index >= ? ORDER BY frame_index').all(video.id, firstIndex);
      for (const { shapes } of scene(ids, labelIds, uuidv7)) restoreShapes(db, shapes);
    });
  }
  process.stderr.write(`\n${timeMarker}${performance.now() - started}\n`);
  db.close();
}

if (process.argv[2] === '--write') {
  await writeChild(process.argv[3], process.argv[4], Number(process.argv[5]), Number(process.argv[6] ?? 2));
  process.exit(0);
}
if (process.argv[2] === '--delete') {
  await deleteChild(process.argv[3], Number(process.argv[4]));
  process.exit(0);
}

if (!existsSync(cli)) {
  console.error('Build first: npm run build');
  process.exit(2);
}

const hookDir = mkdtempSync(path.join(tmpdir(), 'sf-library-hook-'));
const rssHook = path.join(hookDir, 'max-rss.mjs');
// Inside the checkout, so the built modules find the packages they import (zod) in its node_modules.
process.env.BENCH_STORE_DIR = path.resolve('.bench-cache', 'library-store');
await buildStore(process.env.BENCH_STORE_DIR);
// VmHWM belongs to the process's own address space (getrusage's maxrss would carry the parent's peak across exec).
writeFileSync(rssHook, `import { readFileSync } from 'node:fs';
process.on('exit', () => {
  let kb = process.resourceUsage().maxRSS;
  try { kb = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } catch {}
  process.stderr.write('\\n${marker}' + kb + '\\n');
});
`);

function run(args) {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', rssHook, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - started;
  const find = (name) => Number(result.stderr.split('\n').find((line) => line.startsWith(name))?.slice(name.length));
  if (result.status !== 0) return { failed: result.stderr.split('\n').filter((line) => line && !line.startsWith(marker)).slice(-3).join(' / '), rssMb: find(marker) / 1024, wallMs };
  return { wallMs, rssMb: find(marker) / 1024, writeMs: find(timeMarker), baseMb: find(baseMarker) / 1024 };
}

/** A library with the Bench project's one real ingested frame, nothing else (the first write adds five labels). */
function makeLibrary() {
  const library = mkdtempSync(path.join(tmpdir(), 'sf-library-bench-'));
  const ingest = spawnSync(process.execPath, [cli, 'ingest', path.resolve('../shared/media/milk.mkv'), '--library', library, '--project', 'Bench',
    '--batch', 'Bench', '--max-frames', '1', '--json'], { encoding: 'utf8' });
  if (ingest.status !== 0) throw new Error(ingest.stderr);
  return library;
}

/** The database's size on disk once its WAL is folded in, and how much of it is free pages. */
function fileSize(library) {
  const file = path.join(library, 'stillframe.db');
  const db = new DatabaseSync(file);
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const free = Number(db.prepare('PRAGMA freelist_count').get().freelist_count) * Number(db.prepare('PRAGMA page_size').get().page_size);
  const tables = {};
  try {
    for (const row of db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all()) tables[row.name] = Number(row.bytes);
  } catch {
    // dbstat is a compile-time option of SQLite; without it only the totals are reported.
  }
  db.close();
  return { bytes: statSync(file).size, free, tables };
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const shapeCount = frameCount * shapesPerFrame;
const lines = [];
const scratch = mkdtempSync(path.join(tmpdir(), 'sf-library-out-'));
const template = makeLibrary();
const fresh = (name) => {
  const copy = path.join(scratch, name);
  cpSync(template, copy, { recursive: true });
  return copy;
};
const me = path.resolve('scripts/bench-library.js');
try {
  // Writes: the bulk path and the store's one-row path into identical fresh libraries.
  const bulkLibrary = fresh('bulk');
  const bulk = run([me, '--write', 'bulk', bulkLibrary, String(frameCount)]);
  const store = run([me, '--write', 'store', fresh('store'), String(frameCount)]);
  if (bulk.failed || store.failed) throw new Error(bulk.failed ?? store.failed);
  lines.push(['write path', 'bulk writer', 'store, row by row', 'ratio']);
  lines.push([`${frameCount.toLocaleString()} frames + ${shapeCount.toLocaleString()} shapes, write time`, `${(bulk.writeMs / 1000).toFixed(2)} s`, `${(store.writeMs / 1000).toFixed(2)} s`, (bulk.writeMs / store.writeMs).toFixed(2)]);
  lines.push(['  peak RSS of the process', `${bulk.rssMb.toFixed(0)} MB`, `${store.rssMb.toFixed(0)} MB`, (bulk.rssMb / store.rssMb).toFixed(2)]);
  lines.push(['  of which before writing (Node + modules)', `${bulk.baseMb.toFixed(0)} MB`, `${store.baseMb.toFixed(0)} MB`, '']);

  // Size on disk, then half the project deleted through the CLI (as a person would) and written again.
  const full = fileSize(bulkLibrary);
  const db = new DatabaseSync(path.join(bulkLibrary, 'stillframe.db'));
  const outboxRows = Number(db.prepare('SELECT COUNT(*) AS n FROM outbox').get().n);
  const top = Number(db.prepare('SELECT MAX(frame_index) AS n FROM frames').get().n);
  db.close();
  const half = Math.floor(frameCount / 2);
  const deleted = run([me, '--delete', bulkLibrary, String(half)]);
  if (deleted.failed) throw new Error(deleted.failed);
  const afterDelete = fileSize(bulkLibrary);
  const again = run([me, '--write', 'bulk', bulkLibrary, String(half), String(top + 1)]);
  const afterAgain = fileSize(bulkLibrary);
  lines.push([]);
  lines.push(['stillframe.db', 'bytes', 'per frame', 'per shape']);
  lines.push([`after writing ${frameCount.toLocaleString()} frames, ${shapeCount.toLocaleString()} shapes`, mb(full.bytes), `${Math.round(full.bytes / frameCount)}`, `${Math.round(full.bytes / shapeCount)}`]);
  for (const [name, bytes] of Object.entries(full.tables).sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    lines.push([`  ${name}`, mb(bytes), '', '']);
  }
  lines.push([`  outbox rows waiting for sync: ${outboxRows.toLocaleString()}`, '', '', '']);
  lines.push(['half the frames deleted (hidden, then purged)', mb(afterDelete.bytes), `free ${mb(afterDelete.free)}`, '']);
  lines.push([`the same number written again (${(again.writeMs / 1000).toFixed(2)} s)`, mb(afterAgain.bytes), `free ${mb(afterAgain.free)}`, `× ${(afterAgain.bytes / full.bytes).toFixed(2)} of the first`]);

  // COCO export at growing sizes: time per shape should stay put and memory flat.
  lines.push([]);
  lines.push(['COCO export (--images none)', 'stillframe', 'naive', 'ratio']);
  for (const frames of exportFrames) {
    const library = fresh(`export-${frames}`);
    const written = run([me, '--write', 'bulk', library, String(frames)]);
    if (written.failed) throw new Error(written.failed);
    const ours = run([cli, 'export', '--library', library, '--project', 'Bench', '--format', 'coco', '--images', 'none', '--out', path.join(scratch, `coco-${frames}`), '--json']);
    const naive = run([path.resolve('scripts/bench-export.js'), '--naive', library, '-', path.join(scratch, `naive-${frames}`)]);
    // Flat memory, not memory V8 merely had no reason to give back: the same export with a 64 MB heap limit.
    const capped = run(['--max-old-space-size=64', cli, 'export', '--library', library, '--project', 'Bench', '--format', 'coco', '--images', 'none',
      '--out', path.join(scratch, `capped-${frames}`), '--json']);
    const shapes = (frames * shapesPerFrame).toLocaleString();
    lines.push([`${shapes} shapes: wall`, `${(ours.wallMs / 1000).toFixed(2)} s`, naive.failed ? `failed` : `${(naive.wallMs / 1000).toFixed(2)} s`, naive.failed ? '' : (ours.wallMs / naive.wallMs).toFixed(2)]);
    lines.push([`${shapes} shapes: peak RSS`, `${ours.rssMb.toFixed(0)} MB`, `${naive.rssMb.toFixed(0)} MB`, (ours.rssMb / naive.rssMb).toFixed(2)]);
    lines.push([`${shapes} shapes: with a 64 MB JS heap limit`, capped.failed ? 'failed' : `${(capped.wallMs / 1000).toFixed(2)} s, ${capped.rssMb.toFixed(0)} MB`, '', '']);
    lines.push([`${shapes} shapes: µs per shape`, `${((ours.wallMs * 1000) / (frames * shapesPerFrame)).toFixed(1)}`, naive.failed ? naive.failed.slice(0, 60) : `${((naive.wallMs * 1000) / (frames * shapesPerFrame)).toFixed(1)}`, '']);
    rmSync(library, { recursive: true, force: true });
    rmSync(path.join(scratch, `coco-${frames}`), { recursive: true, force: true });
    rmSync(path.join(scratch, `naive-${frames}`), { recursive: true, force: true });
    rmSync(path.join(scratch, `capped-${frames}`), { recursive: true, force: true });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(template, { recursive: true, force: true });
  rmSync(hookDir, { recursive: true, force: true });
}

console.log(`\nNode ${process.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; one run each\n`);
for (const line of lines) console.log(line.length === 0 ? '' : `${String(line[0]).padEnd(58)}${String(line[1]).padStart(14)}${String(line[2] ?? '').padStart(20)}${String(line[3] ?? '').padStart(22)}`);
