import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportRequest } from '../../shared/dataset-contract';
import { uuidv7 } from '../../shared/ids';
import { exportDataset } from './export';
import { settleLeftoverExports } from './sink';
import { exportRequest, seedProject } from './test-fixture';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';

const mounts: string[] = [];
afterAll(() => {
  for (const dir of mounts) spawnSync('umount', ['-l', dir]);
});

/** A small disk of its own (tmpfs, so as root only), or null where mounting is refused. */
function smallDisk(): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-export-disk-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status !== 0) return null;
  mounts.push(dir);
  return dir;
}

/** Fills the disk holding `dir` to the last byte. */
function fill(dir: string): void {
  const fd = openSync(path.join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

/** The files this process still holds open below `dir`, deleted ones included. */
function openBelow(dir: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(`${dir}/`) ? [target] : [];
    } catch {
      return [];
    }
  });
}

/** Read streams close a turn after they are destroyed. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function seeded() {
  const services = openTestServices();
  const seed = await seedProject(services);
  return { services, projectId: seed.project.id };
}

const leaky: Partial<ExportRequest>[] = [{ format: 'coco' }, { format: 'voc' }, { format: 'coco', zip: true }, { format: 'csv', zip: true }];

describe('an export that cannot finish', () => {
  it('closes every file it opened when the disk fills up, so the space comes back', async (context) => {
    const disk = smallDisk();
    if (disk === null) return context.skip('mounting a small tmpfs was refused here');
    fill(disk);
    const { services, projectId } = await seeded();
    for (const extra of leaky) {
      const out = path.join(disk, `dataset-${extra.format}${extra.zip ? '-zip' : ''}`);
      await expect(exportDataset(services.paths, exportRequest(projectId, out, extra)), JSON.stringify(extra)).rejects.toThrow(/no space left|full/i);
      await settle();
      expect(openBelow(disk), JSON.stringify(extra)).toEqual([]);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('closes every file it opened when cancelled', async () => {
    const { services, projectId } = await seeded();
    const root = tempLibraryDir();
    for (const extra of leaky) {
      const out = path.join(root, `dataset-${extra.format}${extra.zip ? '-zip' : ''}`);
      const controller = new AbortController();
      const run = exportDataset(services.paths, exportRequest(projectId, out, extra), {
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.done >= 2) controller.abort();
        },
      });
      await expect(run, JSON.stringify(extra)).rejects.toMatchObject({ code: 'cancelled' });
      await settle();
      expect(openBelow(root), JSON.stringify(extra)).toEqual([]);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('fails at once, naming the place, where the folder cannot be created', async () => {
    const { services, projectId } = await seeded();
    const file = path.join(tempLibraryDir(), 'notes.txt');
    writeFileSync(file, 'mine');
    const cases = [
      ['/proc/stillframe-export/dataset', 'The folder “/proc/stillframe-export/dataset” could not be created: that place does not take new folders. Choose another folder.'],
      [path.join(file, 'dataset'), `The folder “${path.join(file, 'dataset')}” could not be created: “${file}” is a file, not a folder.`],
    ] as const;
    for (const [out, message] of cases) {
      await expect(exportDataset(services.paths, exportRequest(projectId, out))).rejects.toMatchObject({ code: 'invalid-input', message });
    }
  }, 20_000);
});

describe('what a killed export left behind', () => {
  const staged = (out: string, pid: number | null) => {
    const staging = path.join(out, `.stillframe-export-${pid === null ? '' : `${pid}-`}${uuidv7()}`);
    mkdirSync(path.join(staging, 'images'), { recursive: true });
    writeFileSync(path.join(staging, 'images', 'half.jpg'), 'partial');
    return staging;
  };

  it('is cleared by the next export, which takes the folder as empty, with or without --force', async () => {
    const { services, projectId } = await seeded();
    for (const force of [false, true]) {
      const out = path.join(tempLibraryDir(), 'dataset');
      // One from an older version (no process id in its name), one from a process that has ended.
      staged(out, null);
      const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      staged(out, Number(ended.stdout));
      await exportDataset(services.paths, exportRequest(projectId, out, { force }));
      expect(readdirSync(out).sort()).toEqual(['annotations', 'images']);
      expect(readdirSync(path.join(out, 'images'))).not.toContain('half.jpg');
    }
  });

  it('leaves the staging folder of an export still running elsewhere alone', async () => {
    const { services, projectId } = await seeded();
    const out = path.join(tempLibraryDir(), 'dataset');
    const running = staged(out, process.ppid);
    await exportDataset(services.paths, exportRequest(projectId, out));
    expect(readdirSync(out).sort()).toEqual(['annotations', 'images', path.basename(running)].sort());
    expect(readFileSync(path.join(running, 'images', 'half.jpg'), 'utf8')).toBe('partial');
  });

  it('finishes a replace the kill cut short, so the folder holds the new dataset whole', async () => {
    const { services, projectId } = await seeded();
    const out = path.join(tempLibraryDir(), 'dataset');
    await exportDataset(services.paths, exportRequest(projectId, out, { format: 'yolo', valRatio: 0.5 }));
    const old = readFileSync(path.join(out, 'data.yaml'), 'utf8');
    // A whole staged dataset, marked complete, killed after moving the old labels/ aside and before renaming in.
    const staging = staged(out, null);
    writeFileSync(path.join(staging, 'data.yaml'), 'names: [new]\n');
    mkdirSync(path.join(staging, 'labels'));
    writeFileSync(path.join(staging, 'labels', 'half.txt'), '0 0.5 0.5 0.1 0.1\n');
    writeFileSync(path.join(staging, '.complete'), '');
    mkdirSync(path.join(staging, '.replaced'));
    spawnSync('mv', [path.join(out, 'labels'), path.join(staging, '.replaced', 'labels')]);
    expect(readFileSync(path.join(out, 'data.yaml'), 'utf8')).toBe(old);

    await settleLeftoverExports(out);
    expect(readdirSync(out).sort()).toEqual(['data.yaml', 'images', 'labels']);
    expect(readFileSync(path.join(out, 'data.yaml'), 'utf8')).toBe('names: [new]\n');
    expect(readdirSync(path.join(out, 'images'))).toEqual(['half.jpg']);
    expect(readdirSync(path.join(out, 'labels'))).toEqual(['half.txt']);
  });
});
