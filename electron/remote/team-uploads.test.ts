import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { realClip, scratchDir } from '../media/test-clips';
import { deviceWithSyncedProject, testPassword } from '../test-support/sync-devices';
import { supabaseForThisFile } from '../test-support/supabase/for-this-file';
import type { TestSupabase } from '../test-support/supabase/stand-in';
import { cliPath } from '../test-support/team-queue';
import { tusChunkBytes } from './tus-upload';

let supabase: TestSupabase;
supabaseForThisFile((started) => (supabase = started));

/** A real video of several TUS chunks (noise does not compress). */
async function noiseVideo(): Promise<string> {
  const file = path.join(await scratchDir(), 'noise.mkv');
  await promisify(execFile)(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=640x360:d=4:r=25,geq=random(1)*255:128:128', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', file]);
  return file;
}

function stillframe(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH, ...env } });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, stdout: () => stdout };
}

describe('an upload for the team killed mid-way', () => {
  it('resumes from the kept upload address on the next run, and queues the video once', async () => {
    const { email, device, project } = await deviceWithSyncedProject(supabase, 'Silo');
    const big = await noiseVideo();
    const size = statSync(big).size;
    expect(size).toBeGreaterThan(tusChunkBytes * 2);

    const env = { SUPABASE_URL: supabase.url, SUPABASE_ANON_KEY: supabase.anonKey, STILLFRAME_EMAIL: email, STILLFRAME_PASSWORD: testPassword };
    const args = ['ingest', big, '--project', 'Silo', '--batch', 'Grain', '--remote', '--json', '--library', device.libraryDir];
    supabase.standIn?.setLatency(30);
    const first = stillframe(args, env);
    // Killed at a random point once the server has the upload and at least one chunk of it: the address is all the
    // library keeps.
    const records = path.join(device.libraryDir, 'team-uploads');
    const standIn = supabase.standIn;
    if (!standIn) throw new Error('This test needs the stand-in, to count what reaches the server.');
    standIn.resetStats();
    const killAfterBytes = tusChunkBytes * (1 + Math.random());
    for (;;) {
      const saved = readdirSync(records).filter((name) => name.endsWith('.json'));
      const made = saved.some((name) => (JSON.parse(readFileSync(path.join(records, name), 'utf8')) as { uploadUrl: string | null }).uploadUrl);
      if (made && standIn.stats().bytesIn > killAfterBytes) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    supabase.standIn?.setLatency(0);

    standIn.resetStats();
    const second = stillframe(args, env);
    expect(await second.exited).toBe(0);
    // Resumed, not sent again from the start.
    expect(standIn.stats().bytesIn).toBeLessThan(size);
    expect(JSON.parse(second.stdout()).videos.map((video: { status: string }) => video.status)).toEqual(['duplicate']);
    const { rows: objects } = await supabase.admin.query(`select (metadata ->> 'size')::bigint as size from storage.objects where bucket_id = 'videos' and name like $1 || '/%'`, [project.id]);
    expect(objects.map((row: { size: string }) => Number(row.size))).toEqual([size]);
    const { rows: jobs } = await supabase.admin.query(`select status from public.processing_jobs where project_id = $1`, [project.id]);
    expect(jobs.map((row: { status: string }) => row.status)).toEqual(['pending']);
    expect(readdirSync(records).filter((name) => name.endsWith('.json'))).toEqual([]);
  }, 120_000);
});

describe('an upload for the team while Supabase cannot be reached', () => {
  it('is kept and said to be waiting, then the next run sends and queues it', async () => {
    const { email, device, project } = await deviceWithSyncedProject(supabase, 'Barn');
    const env = { SUPABASE_URL: supabase.url, SUPABASE_ANON_KEY: supabase.anonKey, STILLFRAME_EMAIL: email, STILLFRAME_PASSWORD: testPassword };
    const args = ['ingest', realClip('milk.mkv'), '--project', 'Barn', '--batch', 'Hay', '--remote', '--json', '--library', device.libraryDir];
    supabase.standIn?.setOffline(true);
    const offline = stillframe(args, env);
    expect(await offline.exited).toBe(1);
    supabase.standIn?.setOffline(false);
    expect(JSON.parse(offline.stdout()).videos.map((video: { status: string }) => video.status)).toEqual(['waiting']);
    expect((await supabase.admin.query('select 1 from public.processing_jobs where project_id = $1', [project.id])).rowCount).toBe(0);

    const online = stillframe(args, env);
    expect(await online.exited).toBe(0);
    const { rows: jobs } = await supabase.admin.query(`select status from public.processing_jobs where project_id = $1`, [project.id]);
    expect(jobs.map((row: { status: string }) => row.status)).toEqual(['pending']);
  }, 60_000);
});

describe('an upload for the team in the app', () => {
  it('shows its progress and the time left on the video row', async () => {
    const { device, project } = await deviceWithSyncedProject(supabase, 'Mill');
    const big = await noiseVideo();
    supabase.standIn?.setLatency(150);
    try {
      const result = await device.api.invoke('ingest.start', {
        projectId: project.id, batch: { newName: 'Flour' }, paths: [big], options: { sampling: { mode: 'every', seconds: 1 }, jpegQuality: 3 }, processOn: 'team-workers',
      });
      const notices: string[] = [];
      await expect
        .poll(async () => {
          const [video] = await device.api.invoke('videos.list', { batchId: result.batch.id });
          if (video?.notice) notices.push(video.notice);
          return notices.some((notice) => /^Uploading for the team’s workers: \d+%, about \d+ s left$/.test(notice));
        }, { timeout: 30_000, interval: 50 })
        .toBe(true);
      await device.services.team.uploadsSettled();
      const [done] = await device.api.invoke('videos.list', { batchId: result.batch.id });
      expect(done?.notice).toBe('Waiting for a team worker');
    } finally {
      supabase.standIn?.setLatency(0);
    }
  }, 60_000);
});
