import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openServices } from '../services';
import { createProject } from '../library/projects';
import { cvatExport, firstCvatImage } from '../test-support/cvat-export';
import { tempLibraryDir } from '../test-support/temp-library';
import { imageSize } from './image-size';

const cli = path.resolve(import.meta.dirname, '../../out/main/cli.js');
const imageCount = 120;

/** What the library holds, and whether every frame's file and thumbnail is where its row says, outside staging. */
async function contents(library: string) {
  const services = openServices({ libraryDir: library });
  try {
    const count = (table: string) => Number(services.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n);
    const placed = services.db
      .prepare('SELECT path, thumb_path FROM frames')
      .all()
      .every((row) => [String(row.path), String(row.thumb_path)].every((file) => !file.includes('.import-') && existsSync(path.join(library, file))));
    return { labels: count('labels'), batches: count('batches'), frames: count('frames'), shapes: count('shapes'), videos: count('videos'), placed };
  } finally {
    await services.close();
  }
}

describe('an import killed part way', () => {
  it('leaves all of the import or none of it after a real SIGKILL, and runs again cleanly', async () => {
    expect(existsSync(cli), 'build first: electron-vite build').toBe(true);
    const dataset = cvatExport(imageCount);
    const none = { labels: 0, batches: 0, frames: 0, shapes: 0, videos: 0, placed: true };
    const all = { labels: 1, batches: 1, frames: imageCount, shapes: imageCount, videos: 1, placed: true };
    const seen = new Set<string>();
    const emptyLibrary = async () => {
      const library = tempLibraryDir();
      const services = openServices({ libraryDir: library });
      createProject(services.db, 'Signs');
      await services.close();
      return library;
    };
    const importArgs = (library: string) => [cli, 'import', '--library', library, '--project', 'Signs', '--format', 'cvat', '--from', dataset];
    // The kills are spread over the time a whole import takes on this machine, so some land before its commit and
    // some after, however fast or loaded the machine is.
    const timed = await emptyLibrary();
    const started = Date.now();
    expect(spawnSync(process.execPath, importArgs(timed), { encoding: 'utf8' }).status).toBe(0);
    const wholeMs = Date.now() - started;
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      const delayMs = (wholeMs * round) / rounds;
      const library = await emptyLibrary();
      const args = importArgs(library);
      const child = spawn(process.execPath, args, { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, delayMs + (Math.random() * wholeMs) / rounds));
      child.kill('SIGKILL');
      await exited;

      const after = await contents(library);
      expect([none, all]).toContainEqual(after);
      seen.add(after.frames === 0 ? 'none' : 'all');
      // Whatever the kill left, importing again brings the whole dataset in exactly once.
      const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
      expect(again.status, again.stderr).toBe(0);
      expect(await contents(library)).toEqual(all);
    }
    // A test whose kills never land before the commit proves nothing; the first kills come within the CLI's start.
    expect(seen.has('none')).toBe(true);
  });
});

describe('the thumbnail pass after an import, killed part way', () => {
  it('leaves every frame whole and shown, and the next start finishes the thumbnails', async () => {
    expect(existsSync(cli), 'build first: electron-vite build').toBe(true);
    const dataset = cvatExport(imageCount);
    const original = readFileSync(path.join(dataset, 'images', firstCvatImage));
    for (const delayMs of [0, 150, 400, 800]) {
      const library = tempLibraryDir();
      const args = [cli, 'import', '--library', library, '--project', 'Signs', '--format', 'cvat', '--from', dataset];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // The summary is printed once the import has committed; the thumbnails are made after it.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, delayMs + Math.random() * 100));
      child.kill('SIGKILL');
      await exited;

      expect(await contents(library)).toEqual({ labels: 1, batches: 1, frames: imageCount, shapes: imageCount, videos: 1, placed: true });
      const services = openServices({ libraryDir: library });
      try {
        const frames = services.db.prepare('SELECT path, thumb_path FROM frames').all();
        for (const row of frames) expect(readFileSync(path.join(library, String(row.path))).equals(original)).toBe(true);
        await services.thumbnails.run();
        expect(services.thumbnails.status().remaining).toBe(0);
        for (const row of frames) expect((await imageSize(path.join(library, String(row.thumb_path))))?.width).toBe(320);
      } finally {
        await services.close();
      }
    }
  });
});
