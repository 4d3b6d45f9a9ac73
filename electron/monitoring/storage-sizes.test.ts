import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject } from '../library/projects';
import { apiClient } from '../test-support/api-client';
import { mediaDir, openTestServices } from '../test-support/temp-library';

const options = { sampling: { mode: 'every' as const, seconds: 2 }, jpegQuality: 3 };
const clip = path.join(mediaDir, 'car-detection.mp4');

interface SizedFrame {
  path: string;
  thumb_path: string;
  file_bytes: number | null;
  thumb_bytes: number | null;
}

async function extractedProject() {
  const s = openTestServices({ startQueue: true, queue: { concurrency: 1 } });
  const { invoke } = apiClient(s);
  const project = createProject(s.db, 'Sizes');
  const started = await invoke('ingest.start', { projectId: project.id, batch: { newName: 'Monday' }, paths: [clip], links: [], options });
  const jobs = await s.queue.waitFor(started.videos.map((item) => item.video?.jobId ?? ''));
  expect(jobs[0]?.status).toBe('done');
  const frames = () => s.db.prepare('SELECT path, thumb_path, file_bytes, thumb_bytes FROM frames').all() as unknown as SizedFrame[];
  const onDisk = (rows: SizedFrame[]) =>
    rows.reduce((sum, row) => sum + statSync(path.join(s.paths.root, row.path)).size + statSync(path.join(s.paths.root, row.thumb_path)).size, 0);
  return { s, invoke, project, frames, onDisk };
}

describe('the storage figure of a project', () => {
  it('is the sizes recorded as the frames were extracted, not a read of every file when the project opens', async () => {
    const { s, invoke, project, frames, onDisk } = await extractedProject();
    const rows = frames();
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      expect(row.file_bytes).toBe(statSync(path.join(s.paths.root, row.path)).size);
      expect(row.thumb_bytes).toBe(statSync(path.join(s.paths.root, row.thumb_path)).size);
    }
    const expected = onDisk(rows);
    // A file changed behind the library's back is not read again: the figure is what was recorded when it was written.
    writeFileSync(path.join(s.paths.root, rows[0]?.thumb_path ?? ''), 'x'.repeat(1_000_000));
    const storage = await invoke('storage.project', { projectId: project.id });
    const [batch] = storage.batches;
    expect((batch?.frameBytes ?? 0) + (batch?.thumbnailBytes ?? 0)).toBe(expected);
    expect(batch?.frames).toBe(rows.length);
  });

  it('measures the frames of a library from before sizes were kept, once, then keeps the figure', async () => {
    const { s, invoke, project, frames, onDisk } = await extractedProject();
    s.db.exec('UPDATE frames SET file_bytes = NULL, thumb_bytes = NULL');
    const expected = onDisk(frames());
    const first = await invoke('storage.project', { projectId: project.id });
    expect(first.bytes).toBe(expected);
    expect(frames().every((row) => row.file_bytes !== null && row.thumb_bytes !== null)).toBe(true);
    writeFileSync(path.join(s.paths.root, frames()[0]?.path ?? ''), 'x'.repeat(1_000_000));
    expect((await invoke('storage.project', { projectId: project.id })).bytes).toBe(expected);
  });

  it('finds the frames still to measure through an index, not by reading every frame of the project', () => {
    const s = openTestServices();
    const plan = s.db
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM frames WHERE batch_id = ? AND (file_bytes IS NULL OR thumb_bytes IS NULL)`)
      .all('x')
      .map((row) => String(row.detail));
    expect(plan.join('\n')).toContain('frames_unsized');
  });
});
