import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { WorkerJobLog } from '../../shared/worker-contract';
import type { TestSupabase } from './supabase/stand-in';

export const teamPassword = 'night-shift-42';
export const cliPath = path.resolve(import.meta.dirname, '../../out/main/cli.js');
const run = promisify(execFile);

/** A confirmed account on the project, signed in with a client of its own. */
export async function signedInUser(supabase: TestSupabase, who: string): Promise<{ client: SupabaseClient; userId: string; email: string }> {
  const email = `${who}-${randomUUID().slice(0, 8)}@example.com`;
  const client = createClient(supabase.url, supabase.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
  const signUp = await client.auth.signUp({ email, password: teamPassword });
  if (signUp.error) throw signUp.error;
  await supabase.admin.query('update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where email = $1', [email]);
  const { data, error } = await client.auth.signInWithPassword({ email, password: teamPassword });
  if (error) throw error;
  return { client, userId: data.user.id, email };
}

async function push(client: SupabaseClient, changes: { table: string; id: string; row: Record<string, unknown> }[]) {
  const { data, error } = await client.rpc('push_changes', {
    client_id: randomUUID(),
    changes: changes.map((change, i) => ({ op_id: i + 1, op: 'upsert', ...change })),
  });
  if (error) throw error;
  const result = data as { rejected: { message: string }[] };
  if (result.rejected.length > 0) throw new Error(`push refused: ${result.rejected[0]?.message}`);
}

export interface TeamProject {
  projectId: string;
  batchId: string;
  batchSlug: string;
  owner: SupabaseClient;
}

/** A cloud project with one batch, owned by `owner`, with `workerUserId` (if given) a member with role worker. */
export async function teamProject(supabase: TestSupabase, owner: SupabaseClient, workerUserIds: string[]): Promise<TeamProject> {
  const projectId = randomUUID();
  const batchId = randomUUID();
  const batchSlug = 'night-shift';
  await push(owner, [
    { table: 'projects', id: projectId, row: { name: `Team ${projectId.slice(0, 6)}` } },
    { table: 'batches', id: batchId, row: { project_id: projectId, name: 'Night shift', slug: batchSlug, position: 0 } },
  ]);
  for (const userId of workerUserIds) {
    await supabase.admin.query(
      `insert into public.project_members (project_id, user_id, role) values ($1, $2, 'worker') on conflict do nothing`,
      [projectId, userId],
    );
  }
  return { projectId, batchId, batchSlug, owner };
}

/** Uploads `file` as a video of the project and queues it, as the desktop's "Process on team workers" does. */
export async function queueUploadedVideo(project: TeamProject, file: string, options: Record<string, unknown>): Promise<{ videoId: string; jobId: string }> {
  const videoId = randomUUID();
  const name = path.basename(file);
  const storagePath = `${project.projectId}/videos/${videoId}/${name}`;
  const bytes = readFileSync(file);
  await push(project.owner, [
    {
      table: 'videos',
      id: videoId,
      row: { project_id: project.projectId, batch_id: project.batchId, name, source_type: 'direct', size_bytes: bytes.length, content_hash: randomUUID(), status: 'pending', storage_path: storagePath },
    },
  ]);
  const upload = await project.owner.storage.from('videos').upload(storagePath, bytes, { contentType: 'video/x-matroska' });
  if (upload.error) throw upload.error;
  return { videoId, jobId: await enqueue(project.owner, videoId, options) };
}

/** Queues a Loom video (no upload: the worker downloads it from Loom). */
export async function queueLoomVideo(project: TeamProject, loomId: string, options: Record<string, unknown>): Promise<{ videoId: string; jobId: string }> {
  const videoId = randomUUID();
  await push(project.owner, [
    {
      table: 'videos',
      id: videoId,
      row: {
        project_id: project.projectId, batch_id: project.batchId, name: 'A Loom recording', source_type: 'loom',
        source_url: `https://www.loom.com/share/${loomId}`, content_hash: `loom:${loomId}`, status: 'pending',
      },
    },
  ]);
  return { videoId, jobId: await enqueue(project.owner, videoId, options) };
}

async function enqueue(owner: SupabaseClient, videoId: string, options: Record<string, unknown>): Promise<string> {
  const { data, error } = await owner.rpc('enqueue_job', { video_id: videoId, options, priority: 0 });
  if (error) throw error;
  return String(data);
}

/** Small distinct clips made by FFmpeg: `seconds` long, 10 fps, 160×120. */
export async function makeClips(count: number, seconds = 2): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-clips-'));
  const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const file = path.join(dir, `clip-${String(i + 1).padStart(2, '0')}.mkv`);
      await run(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=160x120:rate=10,hue=h=${i * 30}`, '-c:v', 'libx264', '-g', '5', '-pix_fmt', 'yuv420p', file]);
      return file;
    }),
  );
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Its job lines, parsed, as they come. */
  jobs: WorkerJobLog[];
  stderr: () => string;
  exited: Promise<number | null>;
  /**
   * Stops the worker where it is (SIGSTOP), so a job it holds stays running while a test looks; false on Windows, which
   * has no such signal, where the worker goes on.
   */
  pause(): boolean;
  /** Lets a paused worker go on; harmless on one that is not paused. */
  resume(): void;
}

/** `stillframe worker --json ...` in a child process, signed in as `email`. */
export function spawnWorker(supabase: TestSupabase, email: string, args: string[], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = spawn(process.execPath, [cliPath, 'worker', '--json', ...args], {
    env: {
      PATH: process.env.PATH,
      FFMPEG_PATH: process.env.FFMPEG_PATH,
      FFPROBE_PATH: process.env.FFPROBE_PATH,
      SUPABASE_URL: supabase.url,
      SUPABASE_ANON_KEY: supabase.anonKey,
      STILLFRAME_EMAIL: email,
      STILLFRAME_PASSWORD: teamPassword,
      STILLFRAME_WORKER_POLL_MS: '200',
      ...env,
    },
  });
  const jobs: WorkerJobLog[] = [];
  let stderr = '';
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) jobs.push(JSON.parse(line) as WorkerJobLog);
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pausable = process.platform !== 'win32';
  return {
    child,
    jobs,
    stderr: () => stderr,
    exited,
    pause: () => pausable && child.kill('SIGSTOP'),
    resume: () => {
      if (pausable) child.kill('SIGCONT');
    },
  };
}
