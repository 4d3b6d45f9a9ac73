// `npm run bench:browse`: opening a project whose one batch holds 10,000 frames, and scrolling the whole batch
// with the mouse wheel in Chromium, against a plain page that puts all 10,000 thumbnails in the DOM.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { chromium } from '@playwright/test';
import { cli, startHost } from './bench-host.js';

const frameCount = Number(process.env.BENCH_FRAMES ?? 10_000);
const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
const thumbsCache = path.resolve('.bench-cache', `thumbs-${frameCount}`);
const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

if (!existsSync(cli)) {
  console.error('Build first: npm run build');
  process.exit(2);
}

if (!existsSync(thumbsCache) || readdirSync(thumbsCache).length < frameCount) {
  console.log(`making ${frameCount} distinct 320x180 thumbnails with FFmpeg (once)…`);
  mkdirSync(thumbsCache, { recursive: true });
  const made = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25`,
    '-frames:v', String(frameCount), '-q:v', '5', path.join(thumbsCache, 'frame_%06d.jpg')], { stdio: 'inherit' });
  if (made.status !== 0) process.exit(1);
}

/** A real library made by the CLI, whose one video then gets `frameCount` frame rows pointing at the thumbnails. */
function makeLibrary() {
  const library = mkdtempSync(path.join(tmpdir(), 'sf-browse-'));
  const ingest = spawnSync(process.execPath, [cli, 'ingest', path.resolve('../shared/media/milk.mkv'), '--library', library,
    '--project', 'Bench', '--batch', 'Ten thousand', '--max-frames', '1', '--json'], { encoding: 'utf8' });
  if (ingest.status !== 0) throw new Error(ingest.stderr);
  const db = new DatabaseSync(path.join(library, 'stillframe.db'));
  const frame = db.prepare('SELECT * FROM frames LIMIT 1').get();
  db.prepare('DELETE FROM frames').run();
  const folder = path.dirname(frame.thumb_path);
  rmSync(path.join(library, folder), { recursive: true, force: true });
  mkdirSync(path.join(library, folder), { recursive: true });
  const insert = db.prepare(`INSERT INTO frames (id, video_id, batch_id, frame_index, timestamp_ms, width, height, path, thumb_path, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.exec('BEGIN');
  for (let i = 1; i <= frameCount; i++) {
    const name = `frame_${String(i).padStart(6, '0')}.jpg`;
    linkSync(path.join(thumbsCache, name), path.join(library, folder, name));
    insert.run(randomUUID(), frame.video_id, frame.batch_id, i, i * 40, 640, 360, `${folder}/${name}`, `${folder}/${name}`, Date.now(), Date.now());
  }
  db.exec('COMMIT');
  db.close();
  return library;
}

/** The baseline: every thumbnail in the DOM at once, lazily loaded, in a CSS grid. */
function startNaivePage() {
  const names = readdirSync(thumbsCache).sort().slice(0, frameCount);
  const html = `<!doctype html><style>body{margin:0}#grid{height:${Math.round(900 * 0.7)}px;overflow-y:auto;display:grid;
    grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:6px}img{width:100%;aspect-ratio:16/9}</style>
    <div id="grid">${names.map((n) => `<img loading="lazy" src="/t/${n}" alt="">`).join('')}</div>`;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/t/')) return void createReadStream(path.join(thumbsCache, path.basename(req.url))).pipe(res.writeHead(200, { 'content-type': 'image/jpeg' }));
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}

/** Frame times while the wheel scrolls `selector` from top to bottom, plus the most thumbnails in the DOM at once. */
async function scrollWhole(page, selector) {
  const box = await page.locator(selector).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(() => {
    window.__frames = [];
    window.__maxNodes = 0;
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      window.__maxNodes = Math.max(window.__maxNodes, document.querySelectorAll('img').length);
      if (!window.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  for (let i = 0; i < 5000; i++) {
    const done = await page.locator(selector).evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2);
    if (done) break;
    await page.mouse.wheel(0, 400);
    await page.waitForTimeout(16);
  }
  return page.evaluate(() => {
    window.__stop = true;
    const times = window.__frames.slice(1).sort((a, b) => a - b);
    return { p95: times[Math.floor(times.length * 0.95)], over50: times.filter((t) => t > 50).length, frames: times.length, maxNodes: window.__maxNodes };
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const openRounds = Number(process.env.BENCH_ROUNDS ?? 5);

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

/** Opens the Bench project and waits until every tile on the first screen shows its thumbnail. */
async function openProject(page, url) {
  await page.goto(url);
  await page.getByRole('button', { name: /^Bench/ }).waitFor();
  // Timed in the page from the click event itself, so Playwright's own work before it sends the click is not counted.
  await page.evaluate(() => window.addEventListener('pointerdown', () => (window.__clickAt = performance.now()), { capture: true, once: true }));
  const start = Date.now();
  await page.getByRole('button', { name: /^Bench/ }).click();
  await page.waitForFunction(firstScreenPainted, undefined, { polling: 'raf' });
  const driver = Date.now() - start;
  return { driver, inPage: Math.round(await page.evaluate(() => window.__paintedAt - window.__clickAt)) };
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
const host = await startHost(library);
const results = {};
try {
  // Each opening in a fresh page, so no thumbnail is cached; the first one also pays the host's warm-up.
  const openings = [];
  let page;
  for (let round = 0; round < openRounds; round++) {
    await page?.close();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    openings.push(await openProject(page, host.url));
  }
  results.firstPaints = openings.map((o) => o.inPage);
  results.firstPaint = median(results.firstPaints);
  results.driverFirstPaint = median(openings.map((o) => o.driver));
  results.scroll = await scrollWhole(page, '[role=listbox]');
  // Thumbnails wait while the grid is flung; this is how long the screen it stopped on stays without them.
  await page.evaluate(() => {
    window.__paintedAt = undefined;
    window.__stoppedAt = performance.now();
  });
  await page.waitForFunction(firstScreenPainted, undefined, { polling: 'raf' });
  results.afterFling = Math.round(await page.evaluate(() => window.__paintedAt - window.__stoppedAt));
  results.heap = await heapMb(page);
  results.options = await page.locator('[role=option]').count();

  const naive = await startNaivePage();
  const plain = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const naiveStart = Date.now();
  await plain.goto(naive.url);
  await plain.waitForFunction(() => [...document.querySelectorAll('img')].slice(0, 30).every((img) => img.complete && img.naturalWidth > 0), undefined, { polling: 'raf' });
  results.naiveFirstPaint = Date.now() - naiveStart;
  results.naiveScroll = await scrollWhole(plain, '#grid');
  results.naiveHeap = await heapMb(plain);
  naive.server.close();
} finally {
  await browser.close();
  host.child.kill();
  rmSync(library, { recursive: true, force: true });
}

const r = results;
console.log(`\n${frameCount.toLocaleString()} frames in one batch, Chromium ${browser.version()}, 1400x900 window\n`);
console.log('                                   stillframe     all-in-DOM page   ratio');
console.log(`open to first screen painted       ${String(r.firstPaint).padStart(6)} ms     ${String(r.naiveFirstPaint).padStart(6)} ms       ${(r.firstPaint / r.naiveFirstPaint).toFixed(2)}   (target < 300 ms)`);
console.log(`  (median of ${r.firstPaints.length} openings in fresh pages: ${r.firstPaints.join(', ')} ms; timed by the test driver from before its click: ${r.driverFirstPaint} ms)`);
console.log(`scroll frame time, 95th pct        ${r.scroll.p95.toFixed(1).padStart(6)} ms     ${r.naiveScroll.p95.toFixed(1).padStart(6)} ms       ${(r.scroll.p95 / r.naiveScroll.p95).toFixed(2)}   (target < 20 ms)`);
console.log(`scroll frames over 50 ms           ${String(r.scroll.over50).padStart(6)} of ${r.scroll.frames}  ${String(r.naiveScroll.over50).padStart(6)} of ${r.naiveScroll.frames}`);
console.log(`last screen painted after the wheel  ${String(r.afterFling).padStart(6)} ms`);
console.log(`most thumbnails in the DOM         ${String(r.scroll.maxNodes).padStart(6)}        ${String(r.naiveScroll.maxNodes).padStart(6)}`);
console.log(`JS heap after scrolling it all     ${r.heap.toFixed(1).padStart(6)} MB     ${r.naiveHeap.toFixed(1).padStart(6)} MB       ${(r.heap / r.naiveHeap).toFixed(2)}`);
