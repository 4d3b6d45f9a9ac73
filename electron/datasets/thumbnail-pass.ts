import path from 'node:path';
import type { ThumbnailProgress } from '../../shared/dataset-contract';
import { transaction, type Database } from '../library/database';
import type { LibraryPaths } from '../library/paths';
import { makeThumbnails } from './thumbnails';

/**
 * Imported frames' thumbnails, made after the import has committed so that the person can browse and annotate at
 * once. Until its thumbnail is made, a frame's thumbnail path holds its full image (a hard link, so no copy and no
 * time), which the grid shows scaled down; the pass then replaces each with a real thumbnail by renaming it over the
 * stand-in. What is still to do is a table, written in the import's own transaction, so a pass cut off by a quit or a
 * kill is finished by the next start.
 */

/** Frames per round: one FFmpeg stream's worth (see thumbnails.ts), and one small transaction to mark them made. */
const perRound = 500;

/** Inside the import's transaction: these frames' thumbnails are stand-ins still. */
export function queueThumbnails(db: Database, frameIds: Iterable<string>): void {
  const insert = db.prepare('INSERT OR IGNORE INTO pending_thumbnails (frame_id) VALUES (?)');
  for (const id of frameIds) insert.run(id);
}

export interface ThumbnailPassResult {
  made: number;
  failed: number;
  durationMs: number;
}

export class ThumbnailPass {
  private running: Promise<ThumbnailPassResult> | null = null;
  private controller = new AbortController();
  private progress: ThumbnailProgress = { made: 0, failed: 0, remaining: 0 };

  constructor(
    private readonly db: Database,
    private readonly paths: LibraryPaths,
    private readonly onProgress: (progress: ThumbnailProgress) => void = () => undefined,
  ) {}

  /** How far it is: thumbnails made and failed in this run, and how many wait. */
  status(): ThumbnailProgress {
    return { ...this.progress, remaining: this.remaining() };
  }

  /** Starts the pass if there is work and it is not running; resolves when nothing is left (or it was stopped). */
  run(): Promise<ThumbnailPassResult> {
    this.running ??= this.work().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Runs it in the background: a failure is logged and leaves the rest for the next start. */
  start(): void {
    this.run().catch((error: unknown) => console.warn('Making imported thumbnails failed:', error instanceof Error ? error.message : error));
  }

  /** Stops between FFmpeg runs; what is left waits for the next start. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running?.catch(() => undefined);
    this.controller = new AbortController();
  }

  private remaining(): number {
    return Number(this.db.prepare('SELECT COUNT(*) AS n FROM pending_thumbnails').get()?.n ?? 0);
  }

  private async work(): Promise<ThumbnailPassResult> {
    const started = Date.now();
    const signal = this.controller.signal;
    this.progress = { made: 0, failed: 0, remaining: this.remaining() };
    const next = this.db.prepare(
      `SELECT p.frame_id, f.path, f.thumb_path, f.width, f.height FROM pending_thumbnails p JOIN frames f ON f.id = p.frame_id
       ORDER BY p.frame_id LIMIT ${perRound}`,
    );
    const done = this.db.prepare('DELETE FROM pending_thumbnails WHERE frame_id = ?');
    // The storage figure may have measured the placeholder (the full image): measure the real thumbnail afresh.
    const resize = this.db.prepare('UPDATE frames SET thumb_bytes = NULL WHERE id = ?');
    while (!signal.aborted && this.progress.remaining > 0) {
      const rows = next.all();
      if (rows.length === 0) break;
      const jobs = rows.map((row) => ({
        frameId: String(row.frame_id),
        source: path.join(this.paths.root, String(row.path)),
        target: path.join(this.paths.root, String(row.thumb_path)),
        width: Number(row.width),
        height: Number(row.height),
      }));
      let failed: Set<string>;
      try {
        failed = await makeThumbnails(jobs, this.paths.tmp, signal);
      } catch (error) {
        if (signal.aborted) break;
        throw error;
      }
      if (signal.aborted) break;
      // A frame FFmpeg cannot read keeps its full image as the thumbnail: it shows, if anything can show it.
      transaction(this.db, () => {
        for (const job of jobs) {
          done.run(job.frameId);
          resize.run(job.frameId);
        }
      });
      this.progress = {
        made: this.progress.made + jobs.length - failed.size,
        failed: this.progress.failed + failed.size,
        remaining: this.remaining(),
      };
      this.onProgress({ ...this.progress });
    }
    return { made: this.progress.made, failed: this.progress.failed, durationMs: Date.now() - started };
  }
}
