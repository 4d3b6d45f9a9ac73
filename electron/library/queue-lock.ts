import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { StillframeError } from '../../shared/errors';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Only one process may run a library's queue: crash recovery returns every `processing` job to `pending`, which
 * would steal jobs from a second live process. A lock left by a dead process is taken over.
 */
export function acquireQueueLock(root: string): () => void {
  const file = path.join(root, 'queue.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, String(process.pid));
      } catch (error) {
        // An empty lock (a full disk) would name no holder; leave none.
        rmSync(file, { force: true });
        throw error;
      } finally {
        closeSync(fd);
      }
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isFinite(holder) && holder !== process.pid && alive(holder)) {
        throw new StillframeError(
          'busy',
          `This library is open in another Stillframe process (pid ${holder}), which is processing its queue. Close it, or let it finish.`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new StillframeError('busy', 'Could not take the library’s queue lock.');
}
