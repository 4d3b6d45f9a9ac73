import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { uuidv7 } from '../../shared/ids';
import { createBatch } from '../library/batches';
import { insertFrames, listFrames } from '../library/frames';
import { createProject } from '../library/projects';
import { insertVideo } from '../library/videos';
import type { Services } from '../services';
import { apiClient } from './api-client';
import type { TestSupabase } from './supabase/stand-in';
import { openTestServices, tempLibraryDir } from './temp-library';

export const testPassword = 'harbour-lights-7';

/** A library (one device) set up for this Supabase project, with the person signed up, confirmed and signed in. */
export async function signedInDevice(supabase: TestSupabase, email: string, libraryDir = tempLibraryDir()) {
  const services = openTestServices({ libraryDir });
  const api = apiClient(services);
  await api.invoke('sync.settings.set', { url: supabase.url, anonKey: supabase.anonKey });
  const { needsConfirmation } = await api.invoke('sync.signUp', { email, password: testPassword });
  if (needsConfirmation) {
    await supabase.admin.query('update auth.users set email_confirmed_at = now() where email = $1', [email]);
  }
  const status = await api.invoke('sync.signIn', { email, password: testPassword });
  return { services, api, userId: status.user?.id ?? '', libraryDir };
}

/** A new person's device with one project of their own, linked and synced, so the team's queue can take its videos. */
export async function deviceWithSyncedProject(supabase: TestSupabase, projectName: string) {
  const email = `person-${Date.now()}@example.com`;
  const device = await signedInDevice(supabase, email);
  const project = createProject(device.services.db, projectName);
  await device.api.invoke('sync.linkProject', { projectId: project.id });
  await device.api.invoke('sync.now', {});
  return { email, device, project };
}

/** Makes `userId` a member of the project on the server (until invites exist, the admin connection does it). */
export async function addMember(supabase: TestSupabase, projectId: string, userId: string, role: 'editor' | 'viewer' | 'owner') {
  await supabase.admin.query(
    'insert into public.project_members (project_id, user_id, role) values ($1, $2, $3) on conflict (project_id, user_id) do update set role = excluded.role',
    [projectId, userId, role],
  );
}

/**
 * A batch of frames in the project whose image and thumbnail files are on disk where extraction puts them
 * (frames/<project>/<batch slug>/<video>/frame_000001.jpg, and the same under thumbs/).
 */
export function seedBatchWithFiles(services: Services, projectId: string, batchName: string, frameCount: number) {
  const { db, paths } = services;
  const batch = createBatch(db, projectId, batchName);
  const videoId = uuidv7();
  insertVideo(db, {
    id: videoId,
    projectId,
    batchId: batch.id,
    name: 'harbour.mp4',
    sourcePath: '/clips/harbour.mp4',
    sizeBytes: 1000,
    contentHash: `hash-${videoId}`,
    status: 'done',
    error: null,
    probe: null,
  });
  const files = Array.from({ length: frameCount }, (_, i) => {
    const file = `frame_${String(i + 1).padStart(6, '0')}.jpg`;
    const framePath = `frames/${projectId}/${batch.slug}/${videoId}/${file}`;
    const thumbPath = `thumbs/${projectId}/${batch.slug}/${videoId}/${file}`;
    for (const [relative, size] of [[framePath, 4000], [thumbPath, 600]] as const) {
      mkdirSync(path.dirname(path.join(paths.root, relative)), { recursive: true });
      writeFileSync(path.join(paths.root, relative), randomBytes(size));
    }
    return { index: i + 1, timestampMs: i * 500, width: 640, height: 360, path: framePath, thumbPath };
  });
  insertFrames(db, videoId, batch.id, files);
  return { batch, videoId, frames: listFrames(db, batch.id, 0, 100_000).frames };
}

/** A new project with one batch of frames and their files. */
export function seedProjectWithFiles(services: Services, name: string, frameCount: number) {
  const project = createProject(services.db, name);
  return { project, ...seedBatchWithFiles(services, project.id, 'Morning', frameCount) };
}

/** The annotation state a person sees, for comparing two devices. */
export function shapeState(services: Services, projectId: string) {
  return services.db
    .prepare(
      `SELECT s.id, s.frame_id, s.label_id, s.type, s.points, s.note, s.hidden, s.locked FROM shapes s
       JOIN frames f ON f.id = s.frame_id JOIN batches b ON b.id = f.batch_id WHERE b.project_id = ? ORDER BY s.id`,
    )
    .all(projectId)
    .map((row) => ({ ...row }));
}
