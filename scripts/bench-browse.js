// `npm run bench:browse`: opening a project of 100,000 frames in 20 batches, scrolling its top batch with the mouse
// wheel in Chromium, jumping to the end of a 50,000-frame batch (End, and the scrollbar dragged to the bottom), the
// JS heap after a forced GC at several depths of both, and opening a list of 200 projects (the others of 500 frames
// each, half of them annotated). Beside each, a naive baseline in the same run: a plain page that puts all of the top
// batch's thumbnails in the DOM, every page of the long batch fetched in turn, every frame of it held, the old
// per-project list query, and static HTML of the cards. BENCH_FRAMES and BENCH_BATCHES size the big project (the old
// single-batch run: BENCH_FRAMES=10000 BENCH_BATCHES=1).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { chromium } from '@playwright/test';
import { cli, startHost } from './bench-host.js';

const frameCount = Number(process.env.BENCH_FRAMES ?? 100_000);
const batchCount = Number(process.env.BENCH_BATCHES ?? 20);
const longBatch = Number(process.env.BENCH_LONG_BATCH ?? 50_000);
const projectCount = Number(process.env.BENCH_PROJECTS ?? 200);
// Each of the other projects' frames, every other one with a shape: what the cards' counts are read from.
const framesPerProject = Number(process.env.BENCH_PROJECT_FRAMES ?? 500);
const perBatch = Math.ceil(frameCount / batchCount);
const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
// Distinct FFmpeg-made thumbnails, at most 10,000 of them: frames past that link to them again under their own
// names, so the browser still fetches and decodes every tile (its cache is by address) without 800 MB of JPEGs.
const distinct = Math.min(10_000, Math.max(frameCount, longBatch));
const thumbsCache = path.resolve('.bench-cache', `thumbs-${distinct}`);
const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

if (!existsSync(cli)) {
  console.error('Build first: npm run build');
  process.exit(2);
}

if (!existsSync(thumbsCache) || readdirSync(thumbsCache).length < distinct) {
  console.log(`making ${distinct} distinct 320x180 thumbnails with FFmpeg (once)…`);
  mkdirSync(thumbsCache, { recursive: true });
  const made = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25`,
    '-frames:v', String(distinct), '-q:v', '5', path.join(thumbsCache, 'frame_%06d.jpg')], { stdio: 'inherit' });
  if (made.status !== 0) process.exit(1);
}

const thumbName = (i) => `frame_${String(((i - 1) % distinct) + 1).padStart(6, '0')}.jpg`;

/**
 * A real library made by the CLI: the Bench project's first batch comes from a real ingest; its other batches,
 * the Long project and the other projects copy its rows, and every batch then gets its frame rows pointing at
 * the thumbnails.
 */
function makeLibrary() {
  const library = mkdtempSync(path.join(tmpdir(), 'sf-browse-'));
  const ingest = spawnSync(process.execPath, [cli, 'ingest', path.resolve('../shared/media/milk.mkv'), '--library', library,
    '--project', 'Bench', '--batch', 'Batch 01', '--max-frames', '1', '--json'], { encoding: 'utf8' });
  if (ingest.status !== 0) throw new Error(ingest.stderr);
  const db = new DatabaseSync(path.join(library, 'stillframe.db'));
  const frame = db.prepare('SELECT * FROM frames LIMIT 1').get();
  const video = db.prepare('SELECT * FROM videos WHERE id = ?').get(frame.video_id);
  const batch = db.prepare('SELECT * FROM batches WHERE id = ?').get(frame.batch_id);
  db.prepare('DELETE FROM frames').run();
  rmSync(path.join(library, path.dirname(frame.thumb_path)), { recursive: true, force: true });
  rmSync(path.join(library, path.dirname(frame.path)), { recursive: true, force: true });
  const copyRow = (table, row, changes) => {
    const values = { ...row, ...changes };
    const names = Object.keys(values);
    db.prepare(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...Object.values(values));
  };
  const insert = db.prepare(`INSERT INTO frames (id, video_id, batch_id, frame_index, timestamp_ms, width, height, path, thumb_path, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const fill = (projectId, batchId, videoId, slug, count) => {
    const dir = `frames/${projectId}/${slug}/${videoId}`;
    mkdirSync(path.join(library, dir), { recursive: true });
    for (let i = 1; i <= count; i++) {
      const name = `frame_${String(i).padStart(6, '0')}.jpg`;
      linkSync(path.join(thumbsCache, thumbName(i)), path.join(library, dir, name));
      insert.run(randomUUID(), videoId, batchId, i, i * 40, 640, 360, `${dir}/${name}`, `${dir}/${name}`, Date.now(), Date.now());
    }
  };
  const now = Date.now();
  // Frame rows for the other projects, sharing the top batch's image files; every other frame gets a shape.
  const shape = db.prepare(`INSERT INTO shapes (id, frame_id, label_id, type, points, created_at, updated_at)
    VALUES (?, ?, NULL, 'rectangle', '[10,10,50,40]', ?, ?)`);
  const rows = (projectId, batchId, videoId, count) => {
    const dir = `frames/${batch.project_id}/batch-01/${video.id}`;
    for (let i = 1; i <= count; i++) {
      const frameId = randomUUID();
      const name = `frame_${String(i).padStart(6, '0')}.jpg`;
      insert.run(frameId, videoId, batchId, i, i * 40, 640, 360, `${dir}/${name}`, `${dir}/${name}`, Date.now(), Date.now());
      if (i % 2 === 0) shape.run(randomUUID(), frameId, Date.now(), Date.now());
    }
  };
  const addBatch = (projectId, n, count) => {
    const batchId = n === 1 && projectId === batch.project_id ? batch.id : randomUUID();
    const slug = `batch-${String(n).padStart(2, '0')}`;
    if (batchId !== batch.id) copyRow('batches', batch, { id: batchId, project_id: projectId, name: `Batch ${String(n).padStart(2, '0')}`, slug, created_at: now - n, updated_at: now - n });
    else db.prepare('UPDATE batches SET slug = ? WHERE id = ?').run(slug, batchId);
    const videoId = batchId === batch.id ? video.id : randomUUID();
    if (videoId !== video.id) copyRow('videos', video, { id: videoId, project_id: projectId, batch_id: batchId, content_hash: randomUUID() });
    if (count > 0) fill(projectId, batchId, videoId, slug, count);
    return { batchId, videoId };
  };
  db.exec('BEGIN');
  for (let n = 1; n <= batchCount; n++) addBatch(batch.project_id, n, Math.min(perBatch, frameCount - (n - 1) * perBatch));
  const longProject = randomUUID();
  copyRow('projects', db.prepare('SELECT * FROM projects WHERE id = ?').get(batch.project_id), { id: longProject, name: 'Long' });
  addBatch(longProject, 1, longBatch);
  const template = db.prepare('SELECT * FROM projects WHERE id = ?').get(batch.project_id);
  for (let p = 3; p <= projectCount; p++) {
    const projectId = randomUUID();
    copyRow('projects', template, { id: projectId, name: `Project ${String(p).padStart(3, '0')}`, created_at: now - p, updated_at: now - p });
    const added = addBatch(projectId, 1, 0);
    rows(projectId, added.batchId, added.videoId, Math.min(framesPerProject, perBatch));
  }
  db.exec('COMMIT');
  db.close();
  return library;
}

/** The baseline: every thumbnail in the DOM at once, lazily loaded, in a CSS grid. */
function startNaivePage() {
  const names = readdirSync(thumbsCache).sort().slice(0, perBatch);
  const html = `<!doctype html><style>body{margin:0}#grid{height:${Math.round(900 * 0.7)}px;overflow-y:auto;display:grid;
    grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:6px}img{width:100%;aspect-ratio:16/9}</style>
    <div id="grid">${names.map((n) => `<img loading="lazy" src="/t/${n}" alt="">`).join('')}</div>`;
  // The floor for the project list: the same 200 cards as static HTML, with no script to load or run.
  const cards = `<!doctype html><ul>${Array.from({ length: projectCount }, (_, i) => `<li class="project-card"><button><span class="cover">No frames yet</span>
    <span>Project ${String(i + 1).padStart(3, '0')}</span></button><p>1 batch · 1 video · 500 frames · 250 annotated</p><p>Changed ${new Date().toLocaleString()}</p>
    <div><button>Rename</button><button>Delete</button></div></li>`).join('')}</ul>`;
  const server = createServer((req, res) => {
    if (req.url === '/projects') return void res.writeHead(200, { 'content-type': 'text/html' }).end(cards);
    if (req.url?.startsWith('/t/')) return void createReadStream(path.join(thumbsCache, path.basename(req.url))).pipe(res.writeHead(200, { 'content-type': 'image/jpeg' }));
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}

/** Frame times while the wheel scrolls `grid` (a locator) from the top, to its bottom or `wheels` turns, plus the most thumbnails in the DOM at once. */
async function scrollWhole(page, grid, wheels = 5000) {
  const box = await grid.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(() => {
    window.__frames = [];
    window.__maxNodes = 0;
    window.__stop = false;
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      window.__maxNodes = Math.max(window.__maxNodes, document.querySelectorAll('img').length);
      if (!window.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  let scrolled = 0;
  for (let i = 0; i < wheels; i++) {
    const done = await grid.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2);
    if (done) break;
    await page.mouse.wheel(0, 400);
    scrolled += 400;
    await page.waitForTimeout(16);
  }
  return page.evaluate((px) => {
    window.__stop = true;
    const times = window.__frames.slice(1).sort((a, b) => a - b);
    return { p95: times[Math.floor(times.length * 0.95)], over50: times.filter((t) => t > 50).length, frames: times.length, maxNodes: window.__maxNodes, px, times };
  }, scrolled);
}

/** One scroll measured in parts (the heap read between them): its parts' frame times as one. */
function joined(parts) {
  const times = parts.flatMap((part) => part.times).sort((a, b) => a - b);
  return {
    p95: times[Math.floor(times.length * 0.95)],
    over50: times.filter((t) => t > 50).length,
    frames: times.length,
    maxNodes: Math.max(...parts.map((part) => part.maxNodes)),
    px: parts.reduce((sum, part) => sum + part.px, 0),
  };
}

/**
 * The naive project list query, as it was: per project, every live frame row counted (and looked up in the shapes, for
 * the annotated ones) and every frame sorted by its creation time for the cover. Timed in node:sqlite on the same library, beside the app's own projects.list.
 */
function naiveListQuery(library) {
  const db = new DatabaseSync(path.join(library, 'stillframe.db'));
  const select = db.prepare(`SELECT p.id, p.name, p.created_at, p.updated_at,
    (SELECT COUNT(*) FROM batches b WHERE b.project_id = p.id) AS batch_count,
    (SELECT COUNT(*) FROM videos v WHERE v.project_id = p.id) AS video_count,
    (SELECT COUNT(*) FROM frames f JOIN batches b ON b.id = f.batch_id WHERE b.project_id = p.id AND f.deleted_at IS NULL) AS frame_count,
    (SELECT COUNT(*) FROM frames f JOIN batches b ON b.id = f.batch_id WHERE b.project_id = p.id AND f.deleted_at IS NULL
       AND EXISTS (SELECT 1 FROM shapes s WHERE s.frame_id = f.id)) AS annotated_frame_count,
    (SELECT f.thumb_path FROM frames f JOIN batches b ON b.id = f.batch_id
       WHERE b.project_id = p.id AND f.deleted_at IS NULL ORDER BY f.created_at, f.frame_index LIMIT 1) AS cover_thumb_path
    FROM projects p ORDER BY p.updated_at DESC, p.id`);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const at = performance.now();
    select.all();
    times.push(Math.round(performance.now() - at));
  }
  db.close();
  return times.sort((a, b) => a - b);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const openRounds = Number(process.env.BENCH_ROUNDS ?? 5);
// BENCH_ONLY=list runs the project list rows alone (its own and the static HTML's), for quick comparisons; the host then
// starts cold, where the full run has warmed it on the big project first.
const listOnly = process.env.BENCH_ONLY === 'list';

/** In the page: true once every tile on the grid's screen shows its thumbnail; notes the time it first is. */
function firstScreenPainted() {
  const grid = document.querySelector('[role=listbox]');
  if (!grid) return false;
  const bounds = grid.getBoundingClientRect();
  const visible = [...grid.querySelectorAll('[role=option]')].filter((tile) => {
    const box = tile.getBoundingClientRect();
    return box.bottom > bounds.top && box.top < bounds.bottom;
  });
  const images = visible.map((tile) => tile.querySelector('img'));
  const painted = visible.length > 0 && images.every((img) => img && img.complete && img.naturalWidth > 0);
  if (painted) window.__paintedAt ??= performance.now();
  return painted;
}

/** Opens a project and waits until every tile on the first screen shows its thumbnail. */
async function openProject(page, url, name = 'Bench') {
  await page.goto(url);
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).waitFor();
  // Every call the opening makes, with its time, so a slow opening names its slow call.
  await page.evaluate(() => {
    const bridge = window.stillframe;
    const invoke = bridge.invoke.bind(bridge);
    window.__openCalls = [];
    bridge.invoke = async (name, input) => {
      const at = performance.now();
      const result = await invoke(name, input);
      window.__openCalls.push({ name, at: Math.round(at - (window.__clickAt ?? at)), ms: Math.round(performance.now() - at) });
      return result;
    };
  });
  // Timed in the page from the click event itself, so Playwright's own work before it sends the click is not counted.
  await page.evaluate(() => window.addEventListener('pointerdown', () => (window.__clickAt = performance.now()), { capture: true, once: true }));
  const start = Date.now();
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
  await page.waitForFunction(firstScreenPainted, undefined, { polling: 'raf' });
  const driver = Date.now() - start;
  const calls = await page.evaluate(() => window.__openCalls.filter((c) => c.at >= 0 && c.at < window.__paintedAt - window.__clickAt));
  return { driver, inPage: Math.round(await page.evaluate(() => window.__paintedAt - window.__clickAt)), calls };
}

async function heapMb(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize').value / 1024 / 1024;
}

const browser = await chromium.launch({ ...(chromiumPath ? { executablePath: chromiumPath } : {}), args: ['--disable-gpu', '--disable-background-networking'] });
const library = makeLibrary();
const naiveListTimes = naiveListQuery(library);
const host = await startHost(library);
const results = {};
let page;
try {
  if (!listOnly) {
    // Each opening in a fresh page, so no thumbnail is cached; the first one also pays the host's warm-up.
    const openings = [];
    for (let round = 0; round < openRounds; round++) {
      await page?.close();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      openings.push(await openProject(page, host.url));
    }
    results.firstPaints = openings.map((o) => o.inPage);
    results.firstPaint = median(results.firstPaints);
    results.openCalls = openings.at(-1).calls;
    results.driverFirstPaint = median(openings.map((o) => o.driver));
    // The first screen's frames have arrived by now; the heap is measured before, during and after scrolling all of it.
    await page.waitForFunction(() => document.querySelector('[role=listbox]')?.getAttribute('aria-busy') === 'false');
    results.heapBefore = await heapMb(page);
    const topGrid = page.locator('[role=listbox]').first();
    // In quarters: a flat heap is the same at each, whatever the number of frames scrolled past.
    results.heapSteps = [results.heapBefore];
    const quarters = [];
    for (let q = 0; q < 3; q++) {
      quarters.push(await scrollWhole(page, topGrid, 37));
      results.heapSteps.push(await heapMb(page));
    }
    quarters.push(await scrollWhole(page, topGrid));
    results.scroll = joined(quarters);
    // Thumbnails wait while the grid is flung; this is how long the screen it stopped on stays without them.
    await page.evaluate(() => {
      window.__paintedAt = undefined;
      window.__stoppedAt = performance.now();
    });
    await page.waitForFunction(firstScreenPainted, undefined, { polling: 'raf' });
    results.afterFling = Math.round(await page.evaluate(() => window.__paintedAt - window.__stoppedAt));
    results.heap = await heapMb(page);
    results.heapSteps.push(results.heap);
    results.options = await page.locator('[role=option]').count();
    results.sectionsLoaded = await page.evaluate(() => [...document.querySelectorAll('[role=listbox]')].filter((grid) => grid.querySelector('[role=option]')).length);

    // The Long project: the End key on its one batch, until the last frame's tile shows its thumbnail.
    const jumps = [];
    for (let round = 0; round < openRounds; round++) {
      await page.close();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await openProject(page, host.url, 'Long');
      // What the jump waits for: each frames.list round trip after the key, with its size.
      await page.evaluate(() => {
        const bridge = window.stillframe;
        const invoke = bridge.invoke.bind(bridge);
        window.__calls = [];
        bridge.invoke = async (name, input) => {
          const at = performance.now();
          const result = await invoke(name, input);
          if (name === 'frames.list') window.__calls.push({ at: Math.round(at - (window.__keyAt ?? at)), ms: Math.round(performance.now() - at), n: result.value?.frames.length });
          return result;
        };
      });
      await page.locator('[role=listbox]').first().focus();
      await page.evaluate(() => window.addEventListener('keydown', () => (window.__keyAt = performance.now()), { capture: true, once: true }));
      await page.keyboard.press('End');
      const lastTile = `[role=option][aria-label^="Frame ${longBatch} of"] img`;
      jumps.push(Math.round(await (await page.waitForFunction((selector) => {
        const img = document.querySelector(selector);
        return img && img.complete && img.naturalWidth > 0 ? performance.now() - window.__keyAt : false;
      }, lastTile, { polling: 'raf', timeout: 120_000 })).jsonValue()));
    }
    results.jumps = jumps;
    results.jumpCalls = await page.evaluate(() => window.__calls.filter((c) => c.at >= 0));
    results.jump = median(jumps);
    // The naive way there, as the grid did before: every page of the batch in turn (keyset pages doubling from 2,500
    // to the host's 20,000), timed in the same page over the same host.
    results.naiveJumps = [];
    for (let round = 0; round < openRounds; round++) {
      results.naiveJumps.push(Math.round(await page.evaluate(async () => {
        const [batch] = (await window.stillframe.invoke('batches.list', { projectId: (await window.stillframe.invoke('projects.list', {})).value.find((p) => p.name === 'Long').id })).value;
        const at = performance.now();
        let after;
        let size = 2500;
        for (;;) {
          const page = (await window.stillframe.invoke('frames.list', { batchId: batch.id, limit: size, after })).value;
          if (page.frames.length < size) break;
          const last = page.frames.at(-1);
          after = { videoId: last.videoId, index: last.index };
          size = Math.min(20_000, size * 2);
        }
        return performance.now() - at;
      })));
    }
    results.naiveJump = median(results.naiveJumps);
    // Dragging the scrollbar to the bottom: the grid's scrollTop set at once, until the last tile shows its thumbnail.
    const drags = [];
    for (let round = 0; round < openRounds; round++) {
      await page.close();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await openProject(page, host.url, 'Long');
      const lastTile = `[role=option][aria-label^="Frame ${longBatch} of"] img`;
      await page.evaluate((selector) => (window.__lastTile = selector), lastTile);
      drags.push(Math.round(await page.evaluate(() => new Promise((resolve) => {
        const grid = document.querySelector('[role=listbox]');
        const at = performance.now();
        grid.scrollTop = grid.scrollHeight;
        const check = () => {
          const img = document.querySelector(window.__lastTile);
          if (img && img.complete && img.naturalWidth > 0) resolve(performance.now() - at);
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }))));
    }
    results.drags = drags;
    results.drag = median(drags);
    // The scrollbar dragged down the long batch in fifths, the heap after each screen has painted: flat, whatever the
    // depth. The naive grid instead held every frame of the batch; that is measured by holding them all in the page.
    const longGrid = page.locator('[role=listbox]').first();
    results.longHeaps = [];
    for (const fraction of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
      await longGrid.evaluate((el, f) => (el.scrollTop = f * (el.scrollHeight - el.clientHeight)), fraction);
      await page.waitForTimeout(100);
      await page.evaluate(() => (window.__paintedAt = undefined));
      await page.waitForFunction(firstScreenPainted, undefined, { polling: 'raf', timeout: 60_000 });
      results.longHeaps.push(await heapMb(page));
    }
    await page.evaluate(async () => {
      const [batch] = (await window.stillframe.invoke('batches.list', { projectId: (await window.stillframe.invoke('projects.list', {})).value.find((p) => p.name === 'Long').id })).value;
      window.__held = [];
      let after;
      for (;;) {
        const page = (await window.stillframe.invoke('frames.list', { batchId: batch.id, limit: 20_000, after })).value;
        window.__held.push(...page.frames);
        if (page.frames.length < 20_000) break;
        after = { videoId: page.frames.at(-1).videoId, index: page.frames.at(-1).index };
      }
    });
    results.naiveLongHeap = await heapMb(page);
    await page.evaluate(() => (window.__held = undefined));
    // Back to the top of the long batch, then 300 wheel turns down it.
    await longGrid.evaluate((el) => (el.scrollTop = 0));
    await page.waitForTimeout(500);
    results.longScroll = await scrollWhole(page, longGrid, 300);
    results.longHeap = await heapMb(page);
  }

  // The project list: from the navigation's start until every project's card is on the page.
  const lists = [];
  for (let round = 0; round < openRounds; round++) {
    await page?.close();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(host.url);
    lists.push(Math.round(await (await page.waitForFunction((n) => (document.querySelectorAll('.project-card').length >= n ? performance.now() : false),
      projectCount, { polling: 'raf', timeout: 60_000 })).jsonValue()));
  }
  results.lists = lists;
  results.list = median(lists);
  // Of which the host's answer: the projects.list call alone, timed in the page.
  results.listCalls = await page.evaluate(async () => {
    const times = [];
    for (let i = 0; i < 5; i++) {
      const at = performance.now();
      await window.stillframe.invoke('projects.list', {});
      times.push(Math.round(performance.now() - at));
    }
    return times.sort((a, b) => a - b);
  });

  const naive = await startNaivePage();
  const plain = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  if (!listOnly) {
    const naiveStart = Date.now();
    await plain.goto(naive.url);
    await plain.waitForFunction(() => [...document.querySelectorAll('img')].slice(0, 30).every((img) => img.complete && img.naturalWidth > 0), undefined, { polling: 'raf' });
    results.naiveFirstPaint = Date.now() - naiveStart;
    results.naiveHeapSteps = [await heapMb(plain)];
    const naiveQuarters = [];
    for (let q = 0; q < 3; q++) {
      naiveQuarters.push(await scrollWhole(plain, plain.locator('#grid'), 37));
      results.naiveHeapSteps.push(await heapMb(plain));
    }
    naiveQuarters.push(await scrollWhole(plain, plain.locator('#grid')));
    results.naiveScroll = joined(naiveQuarters);
    results.naiveHeap = await heapMb(plain);
    results.naiveHeapSteps.push(results.naiveHeap);
  }
  const naiveLists = [];
  for (let round = 0; round < openRounds; round++) {
    await plain.goto('about:blank');
    await plain.goto(`${naive.url}projects`);
    naiveLists.push(Math.round(await (await plain.waitForFunction((n) => (document.querySelectorAll('.project-card').length >= n ? performance.now() : false),
      projectCount, { polling: 'raf', timeout: 60_000 })).jsonValue()));
  }
  results.naiveList = median(naiveLists);
  // The same static page opened as each of the app's openings is, in a fresh page: what a new tab costs before any
  // of the page's own work, which the row above (one tab, navigated again) does not pay.
  const freshNaiveLists = [];
  for (let round = 0; round < openRounds; round++) {
    const fresh = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await fresh.goto(`${naive.url}projects`);
    freshNaiveLists.push(Math.round(await (await fresh.waitForFunction((n) => (document.querySelectorAll('.project-card').length >= n ? performance.now() : false),
      projectCount, { polling: 'raf', timeout: 60_000 })).jsonValue()));
    await fresh.close();
  }
  results.freshNaiveList = median(freshNaiveLists);
  naive.server.close();
} finally {
  await browser.close();
  host.child.kill();
  rmSync(library, { recursive: true, force: true });
}

const r = results;
const { cpus, loadavg } = await import('node:os');
console.log(`\n${frameCount.toLocaleString()} frames in ${batchCount} batches (top batch ${perBatch.toLocaleString()}), a ${longBatch.toLocaleString()}-frame batch, ${projectCount} projects`);
console.log(`Chromium ${browser.version()}, 1400x900 window, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
if (!listOnly) {
  console.log('                                   stillframe     all-in-DOM page   ratio');
  console.log(`open to first screen painted       ${String(r.firstPaint).padStart(6)} ms     ${String(r.naiveFirstPaint).padStart(6)} ms       ${(r.firstPaint / r.naiveFirstPaint).toFixed(2)}   (target < 300 ms)`);
  console.log(`  (median of ${r.firstPaints.length} openings in fresh pages: ${r.firstPaints.join(', ')} ms; timed by the test driver from before its click: ${r.driverFirstPaint} ms)`);
  console.log(`  calls before the last opening painted (starts at ms: call took ms): ${r.openCalls.map((c) => `${c.at}: ${c.name} ${c.ms}`).join(', ')}`);
  console.log(`scroll frame time, 95th pct        ${r.scroll.p95.toFixed(1).padStart(6)} ms     ${r.naiveScroll.p95.toFixed(1).padStart(6)} ms       ${(r.scroll.p95 / r.naiveScroll.p95).toFixed(2)}   (target: the display's refresh)`);
  console.log(`scroll frames over 50 ms           ${String(r.scroll.over50).padStart(6)} of ${r.scroll.frames}  ${String(r.naiveScroll.over50).padStart(6)} of ${r.naiveScroll.frames}   (target 0)`);
  console.log(`last screen painted after the wheel  ${String(r.afterFling).padStart(6)} ms`);
  console.log(`most thumbnails in the DOM         ${String(r.scroll.maxNodes).padStart(6)}        ${String(r.naiveScroll.maxNodes).padStart(6)}`);
  const mb = (values) => values.map((v) => v.toFixed(1)).join(' → ');
  console.log(`JS heap after GC, top batch in quarters   ${mb(r.heapSteps)} MB (${r.scroll.px.toLocaleString()} px)   all-in-DOM page: ${mb(r.naiveHeapSteps)} MB`);
  console.log(`batch sections loaded after scrolling the top one: ${r.sectionsLoaded} of ${batchCount}`);
  console.log(`jump to the end of ${longBatch.toLocaleString()} frames  ${String(r.jump).padStart(6)} ms   (median of ${r.jumps.join(', ')}; target < 300 ms)`);
  console.log(`  frames.list after the key (starts at ms: took ms × frames): ${r.jumpCalls.map((c) => `${c.at}: ${c.ms}×${c.n}`).join(', ')}`);
  console.log(`  naive, every page before it in turn: ${r.naiveJump} ms (median of ${r.naiveJumps.join(', ')})   ratio ${(r.jump / r.naiveJump).toFixed(2)}`);
  console.log(`scrollbar dragged to the bottom    ${String(r.drag).padStart(6)} ms   (median of ${r.drags.join(', ')}; target < 300 ms)`);
  console.log(`JS heap after GC, long batch dragged in fifths   ${mb(r.longHeaps)} MB   naive, every frame held: ${r.naiveLongHeap.toFixed(1)} MB`);
  console.log(`  then 300 wheel turns there: p95 ${r.longScroll.p95.toFixed(1)} ms, ${r.longScroll.over50} of ${r.longScroll.frames} frames over 50 ms, heap ${r.longHeap.toFixed(1)} MB`);
}
console.log(`project list of ${projectCount}, navigation to all cards   ${String(r.list).padStart(6)} ms   (median of ${r.lists.join(', ')}; target < 200 ms)   static HTML of the same cards: ${r.naiveList} ms, in a fresh page ${r.freshNaiveList} ms`);
console.log(`  of which the projects.list call: median ${r.listCalls[2]} ms (${r.listCalls.join(', ')})   naive per-project query in node:sqlite: median ${naiveListTimes[2]} ms (${naiveListTimes.join(', ')})`);
