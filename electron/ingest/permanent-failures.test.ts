import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getJob } from '../library/jobs';
import { createProject } from '../library/projects';
import { getVideo } from '../library/videos';
import { startLoomStandIn, type LoomStandIn } from '../loom/loom-stand-in';
import { untrustedAddressMessage } from '../loom/safe-url';
import { mediaDir, openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { ingestFiles } from './ingest';

const options = { sampling: { mode: 'every' as const, seconds: 5 }, jpegQuality: 3 };
const builtCli = path.resolve(import.meta.dirname, '../../out/main/cli.js');
const share = (id: string) => `https://www.loom.com/share/${id}`;

let standIn: LoomStandIn | null = null;
const mounts: string[] = [];
afterEach(async () => {
  await standIn?.close();
  standIn = null;
  for (const dir of mounts.splice(0)) spawnSync('umount', [dir]);
});

function damagedClip(dir: string): string {
  const file = path.join(dir, 'damaged.mp4');
  writeFileSync(file, readFileSync(path.join(mediaDir, 'car-detection.mp4')).subarray(0, 1_500_000));
  return file;
}

/** A real, small filesystem of its own, so the library's disk can really fill up; null where mounting is refused. */
function smallDisk(megabytes: number): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir]);
  if (mounted.status !== 0) return null;
  mounts.push(dir);
  return dir;
}

function fill(dir: string, leaveBytes: number): void {
  const free = Number(execFileSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' }).split('\n')[1]);
  writeFileSync(path.join(dir, `filler-${Date.now()}`), Buffer.alloc(Math.max(0, free - leaveBytes)));
}

function stillframe(args: string[], wrapper: string[] = []) {
  expect(existsSync(builtCli), 'run `npm run build` before the tests').toBe(true);
  const [command, ...rest] = [...wrapper, process.execPath, builtCli, ...args];
  return spawnSync(command ?? '', rest, { encoding: 'utf8', env: { ...process.env, STILLFRAME_LIBRARY: '' } });
}

describe('retries that know what is permanent', () => {
  it('fails a moved file, an untrusted Loom address and a Loom page that is not a video at once, with their message', async () => {
    standIn = await startLoomStandIn({ mediaDir });
    const services = openTestServices({ queue: { retryBaseMs: 60_000 }, ingest: { loom: { baseUrl: standIn.baseUrl } } });
    const project = createProject(services.db, 'P');
    const source = path.join(tempLibraryDir(), 'moved.mkv');
    copyFileSync(path.join(mediaDir, 'milk.mkv'), source);
    const result = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id,
      batch: { newName: 'B' },
      paths: [source],
      links: [share(standIn.ids.redirectLoopback), share(standIn.ids.notVideo)],
      options,
    });
    rmSync(source);
    services.startQueue();
    const jobs = await services.queue.waitFor(result.jobIds);
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual([['dead', 1], ['dead', 1], ['dead', 1]]);
    expect(jobs.map((job) => job.error?.code).sort()).toEqual(['file-missing', 'not-a-video', 'unsafe-address']);
    expect(jobs.find((job) => job.error?.code === 'unsafe-address')?.error?.message).toBe(untrustedAddressMessage);
  });

  it('shows a video whose job waits to retry as "retrying (2 of 3)" with the error', async () => {
    const services = openTestServices({ queue: { retryBaseMs: 60_000 } });
    const project = createProject(services.db, 'P');
    const result = await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id, batch: { newName: 'B' }, paths: [damagedClip(tempLibraryDir())], options,
    });
    services.startQueue();
    const jobId = result.jobIds[0] ?? '';
    while (getJob(services.db, jobId).status !== 'failed') await new Promise((resolve) => setTimeout(resolve, 20));
    const video = getVideo(services.db, result.videos[0]?.video?.id ?? '');
    expect(video).toMatchObject({ status: 'pending', retry: { attempt: 2, of: 3 }, error: { code: 'extraction-failed' } });
  });

  it('says "Stillframe cannot read this file" to a person not allowed to read it', (context) => {
    if (process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0) {
      context.skip('needs root and setpriv to run the CLI as a user without read permission');
    }
    const asNobody = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
    if (stillframe(['--help'], asNobody).status !== 0) context.skip('user nobody cannot run this checkout (a folder above it is private)');
    const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-unreadable-'));
    chmodSync(dir, 0o777);
    const secret = path.join(dir, 'secret.mkv');
    copyFileSync(path.join(mediaDir, 'milk.mkv'), secret);
    chmodSync(secret, 0o600);
    const run = stillframe(['ingest', secret, '--library', path.join(dir, 'library'), '--project', 'P', '--batch', 'B', '--json'], asNobody);
    expect(run.stderr).not.toContain('Something went wrong');
    expect(`${run.stdout}${run.stderr}`).toContain('Stillframe cannot read this file');
    expect(run.status).toBe(1);
  });

  it('names a full disk, with what is left, in every command, and fails the job at once', (context) => {
    const disk = smallDisk(6);
    if (disk === null) return context.skip('mounting a small tmpfs was refused here, so no disk can be filled');
    const library = path.join(disk, 'library');
    mkdirSync(library);
    expect(stillframe(['projects', 'create', 'P', '--library', library]).status).toBe(0);
    fill(disk, 400 * 1024);
    const ingest = stillframe(['ingest', path.join(mediaDir, 'car-detection.mp4'), '--library', library, '--project', 'P', '--batch', 'B', '--json']);
    expect(ingest.status, ingest.stderr).toBe(1);
    const report = JSON.parse(ingest.stdout) as { videos: { error: string }[] };
    expect(report.videos[0]?.error).toMatch(/^The disk holding the library is full \(\d+ MB free\)/);
    const jobs = JSON.parse(stillframe(['jobs', '--library', library, '--json']).stdout) as { jobs: { status: string; attempts: number }[] };
    expect(jobs.jobs).toMatchObject([{ status: 'dead', attempts: 1 }]);

    fill(disk, 0);
    for (const args of [['projects', 'create', 'Q'], ['ingest', path.join(mediaDir, 'milk.mkv'), '--project', 'P', '--batch', 'C'], ['jobs', 'run']]) {
      const run = stillframe([...args, '--library', library]);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr.trim(), args.join(' ')).toMatch(/^The disk holding the library is full \(0 MB free\)\. Free some space, then try again\.$/);
    }
  });
});
