import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { cli } from '../test-support/run-cli';
import { tempLibraryDir } from '../test-support/temp-library';
import { addMember, seedProjectWithFiles, shapeState, signedInDevice, testPassword } from '../test-support/sync-devices';
import { plainSessionFile } from './session';
import { supabaseForThisFile } from '../test-support/supabase/for-this-file';
import type { TestSupabase } from '../test-support/supabase/stand-in';

let supabase: TestSupabase;
const unique = () => uuidv7().slice(-8);

supabaseForThisFile((started) => (supabase = started));

const rect = (frameId: string, id: string, labelId: string | null, points: number[]) => ({
  id,
  frameId,
  type: 'rectangle' as const,
  points,
  labelId,
});

describe('two devices on one project', () => {
  it('converge after editing offline: per-field last writer wins, a delete wins over an edit that had not seen it', async () => {
    const alice = await signedInDevice(supabase, `alice-${unique()}@example.com`);
    const bob = await signedInDevice(supabase, `bob-${unique()}@example.com`);
    const { project, frames } = seedProjectWithFiles(alice.services, `Harbour ${unique()}`, 3);
    const label = await alice.api.invoke('labels.create', { projectId: project.id, name: 'Boat', color: '#ff0000', hotkey: 1, attributes: [] });
    const [s1, s2, s3] = [uuidv7(), uuidv7(), uuidv7()];
    const frameId = frames[0]?.id ?? '';
    for (const [id, x] of [[s1, 10], [s2, 100], [s3, 200]] as const) {
      await alice.api.invoke('shapes.save', { shape: rect(frameId, id, label.id, [x, 10, x + 20, 40]) });
    }
    await alice.api.invoke('sync.linkProject', { projectId: project.id });
    await alice.api.invoke('sync.now', {});
    const objects = await supabase.admin.query(`select count(*)::int as n from storage.objects where bucket_id = 'frames' and name like $1`, [`${project.id}/%`]);
    expect(objects.rows[0]?.n).toBe(6);

    await addMember(supabase, project.id, bob.userId, 'editor');
    const cloud = await bob.api.invoke('sync.cloudProjects', {});
    expect(cloud.map((item) => item.name)).toContain(project.name);
    await bob.api.invoke('sync.openCloudProject', { projectId: project.id });
    expect(shapeState(bob.services, project.id)).toEqual(shapeState(alice.services, project.id));
    const bobFrames = await bob.api.invoke('frames.list', { batchId: frames[0]?.batchId ?? '' });
    expect(bobFrames.total).toBe(3);
    // Thumbnails come with the sync; full images wait until a frame is opened.
    for (const frame of bobFrames.frames) expect(existsSync(path.join(bob.services.paths.root, frame.thumbPath))).toBe(true);
    expect(existsSync(path.join(bob.services.paths.root, bobFrames.frames[0]?.path ?? ''))).toBe(false);
    expect(await bob.api.invoke('sync.fetchFrame', { frameId })).toEqual({ downloaded: true });
    expect(existsSync(path.join(bob.services.paths.root, bobFrames.frames[0]?.path ?? ''))).toBe(true);

    // Offline on both: the same shape edited on both sides, different fields and one field on both; a delete on
    // each side against an edit on the other.
    await alice.api.invoke('shapes.save', { shape: { ...rect(frameId, s1, label.id, [11, 11, 31, 41]), note: 'from Alice' } });
    await bob.api.invoke('shapes.save', { shape: { ...rect(frameId, s1, label.id, [50, 50, 70, 80]), hidden: true } });
    await alice.api.invoke('shapes.delete', { ids: [s2] });
    await bob.api.invoke('shapes.save', { shape: { ...rect(frameId, s2, label.id, [100, 10, 120, 40]), note: 'Bob was here' } });
    await bob.api.invoke('shapes.delete', { ids: [s3] });
    await alice.api.invoke('shapes.save', { shape: { ...rect(frameId, s3, label.id, [200, 10, 220, 40]), note: 'Alice too' } });

    await bob.api.invoke('sync.now', {});
    const aliceRun = await alice.api.invoke('sync.now', {});
    expect(aliceRun.conflicts).toBe(1);
    await bob.api.invoke('sync.now', {});
    await alice.api.invoke('sync.now', {});

    const state = shapeState(alice.services, project.id);
    expect(shapeState(bob.services, project.id)).toEqual(state);
    // s1: Alice pushed last, so her points and note; Bob's hidden, which Alice never touched, stays.
    expect(state).toEqual([expect.objectContaining({ id: s1, points: '[11,11,31,41]', note: 'from Alice', hidden: 1 })]);
    const conflicts = await alice.api.invoke('sync.conflicts', {});
    expect(conflicts).toEqual([expect.objectContaining({ rowId: s3, table: 'annotations' })]);
    expect(await alice.api.invoke('sync.rejections', {})).toEqual([]);
    const server = await supabase.admin.query('select id, points, note, hidden from public.annotations where project_id = $1 and deleted_at is null', [project.id]);
    expect(server.rows).toEqual([{ id: s1, points: [11, 11, 31, 41], note: 'from Alice', hidden: true }]);
    const status = await alice.api.invoke('sync.status', {});
    expect(status.projects.find((item) => item.projectId === project.id)).toMatchObject({ state: 'synced', waiting: 0, filesWaiting: 0 });
  }, 120_000);
});

describe('an imported frame whose thumbnail is not made yet', () => {
  it('uploads its image now and its thumbnail only once the thumbnail pass has made it', async () => {
    const owner = await signedInDevice(supabase, `kate-${unique()}@example.com`);
    const { project, frames } = seedProjectWithFiles(owner.services, `Kiln ${unique()}`, 2);
    const waiting = frames[0]?.id ?? '';
    // What an import leaves until its thumbnail pass reaches the frame: the thumbnail path is still the full image.
    owner.services.db.prepare('INSERT INTO pending_thumbnails (frame_id) VALUES (?)').run(waiting);
    await owner.api.invoke('sync.linkProject', { projectId: project.id });
    await owner.api.invoke('sync.now', {});
    const thumbsUp = async () =>
      (await supabase.admin.query(`select count(*)::int as n from storage.objects where bucket_id = 'frames' and name like $1`, [`${project.id}/thumbs/%`])).rows[0]?.n;
    expect(await thumbsUp()).toBe(1);
    expect((await owner.api.invoke('sync.status', {})).projects.find((item) => item.projectId === project.id)).toMatchObject({ filesWaiting: 1 });

    owner.services.db.prepare('DELETE FROM pending_thumbnails WHERE frame_id = ?').run(waiting);
    await owner.api.invoke('sync.now', {});
    expect(await thumbsUp()).toBe(2);
  }, 120_000);
});

describe('deleting a synced project', () => {
  it('removes it from a teammate’s library at their next sync', async () => {
    const owner = await signedInDevice(supabase, `ivan-${unique()}@example.com`);
    const member = await signedInDevice(supabase, `judy-${unique()}@example.com`);
    const { project } = seedProjectWithFiles(owner.services, `Jetty ${unique()}`, 2);
    await owner.api.invoke('sync.linkProject', { projectId: project.id });
    await owner.api.invoke('sync.now', {});
    await addMember(supabase, project.id, member.userId, 'editor');
    await member.api.invoke('sync.openCloudProject', { projectId: project.id });
    expect((await member.api.invoke('projects.list', {})).map((item) => item.id)).toEqual([project.id]);

    await owner.api.invoke('projects.delete', { id: project.id });
    await owner.api.invoke('sync.now', {});
    await member.api.invoke('sync.now', {});
    expect(await member.api.invoke('projects.list', {})).toEqual([]);
    expect((await owner.api.invoke('sync.status', {})).projects).toEqual([]);
    const server = await supabase.admin.query('select deleted_at is not null as deleted from public.projects where id = $1', [project.id]);
    expect(server.rows).toEqual([{ deleted: true }]);
  }, 120_000);
});

describe('who may see and change what', () => {
  it('refuses a viewer’s edits, into the rejections list, without blocking the rest', async () => {
    const owner = await signedInDevice(supabase, `owner-${unique()}@example.com`);
    const viewer = await signedInDevice(supabase, `viewer-${unique()}@example.com`);
    const { project, frames } = seedProjectWithFiles(owner.services, `Quay ${unique()}`, 1);
    await owner.api.invoke('sync.linkProject', { projectId: project.id });
    await owner.api.invoke('sync.now', {});
    await addMember(supabase, project.id, viewer.userId, 'viewer');
    await viewer.api.invoke('sync.openCloudProject', { projectId: project.id });
    await viewer.api.invoke('shapes.save', { shape: rect(frames[0]?.id ?? '', uuidv7(), null, [1, 1, 5, 5]) });
    const run = await viewer.api.invoke('sync.now', {});
    expect(run.rejected).toBe(1);
    const rejections = await viewer.api.invoke('sync.rejections', {});
    expect(rejections).toEqual([expect.objectContaining({ table: 'annotations', code: 'forbidden', message: 'Viewers cannot change this project' })]);
    const server = await supabase.admin.query('select count(*)::int as n from public.annotations where project_id = $1', [project.id]);
    expect(server.rows[0]?.n).toBe(0);
  }, 120_000);

  it('says so when the password is wrong, and keeps the person signed out', async () => {
    const email = `carol-${unique()}@example.com`;
    const carol = await signedInDevice(supabase, email);
    await carol.api.invoke('sync.signOut', {});
    const wrong = await carol.api.attempt('sync.signIn', { email, password: 'not the password' });
    expect(wrong).toEqual({ ok: false, error: expect.objectContaining({ code: 'access-denied', message: 'That email and password do not match an account on this Supabase project.' }) });
    expect((await carol.api.invoke('sync.status', {})).state).toBe('signed-out');
    const refused = await carol.api.attempt('sync.now', {});
    expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: 'sign-in-required' }) });
  }, 120_000);
});

describe('what the server lets through', () => {
  it('shows a non-member and anon nothing and lets them change nothing, in tables and in Storage', async () => {
    const owner = await signedInDevice(supabase, `dana-${unique()}@example.com`);
    const { project, frames } = seedProjectWithFiles(owner.services, `Pier ${unique()}`, 1);
    await owner.api.invoke('sync.linkProject', { projectId: project.id });
    await owner.api.invoke('sync.now', {});
    const objectPath = `${project.id}/${frames[0]?.path.split('/').slice(2).join('/')}`;

    const strangerEmail = `eve-${unique()}@example.com`;
    await signedInDevice(supabase, strangerEmail);
    const stranger = createClient(supabase.url, supabase.anonKey, { auth: { persistSession: false } });
    const signedIn = await stranger.auth.signInWithPassword({ email: strangerEmail, password: testPassword });
    expect(signedIn.error).toBeNull();
    const anon = createClient(supabase.url, supabase.anonKey, { auth: { persistSession: false } });

    for (const client of [stranger, anon]) {
      for (const table of ['projects', 'project_members', 'batches', 'videos', 'frames', 'labels', 'annotations']) {
        const { data } = await client.from(table).select('id').limit(10);
        expect(data ?? []).toEqual([]);
      }
      const pulled = await client.rpc('pull_changes', { project_id: project.id, after_seq: 0, max_rows: 100 });
      expect((pulled.data as { rows?: unknown[] } | null)?.rows ?? []).toEqual([]);
      const download = await client.storage.from('frames').download(objectPath);
      expect(download.data).toBeNull();
      const upload = await client.storage.from('frames').upload(`${project.id}/intruder.jpg`, Buffer.from('not yours'), { contentType: 'image/jpeg' });
      expect(upload.error).not.toBeNull();
    }
    const pushed = await stranger.rpc('push_changes', {
      client_id: uuidv7(),
      changes: [{ op_id: 1, table: 'projects', op: 'upsert', id: project.id, row: { name: 'Taken over' } }],
    });
    expect(pushed.data).toMatchObject({ applied: [], rejected: [expect.objectContaining({ op_id: 1 })] });
    const anonPush = await anon.rpc('push_changes', { client_id: uuidv7(), changes: [] });
    expect(anonPush.error).not.toBeNull();
    const server = await supabase.admin.query('select name from public.projects where id = $1', [project.id]);
    expect(server.rows).toEqual([{ name: project.name }]);
    const objects = await supabase.admin.query(`select count(*)::int as n from storage.objects where name = $1`, [`${project.id}/intruder.jpg`]);
    expect(objects.rows[0]?.n).toBe(0);
  }, 120_000);
});

describe('the session', () => {
  it('refreshes an expired access token by itself, and asks to sign in again once the refresh is refused', async () => {
    const frank = await signedInDevice(supabase, `frank-${unique()}@example.com`);
    const sessionFile = path.join(frank.libraryDir, plainSessionFile);
    // Its access token expired (as after a night with the laptop shut): the next sync renews it with the refresh token.
    const expire = () => {
      const stored = JSON.parse(readFileSync(sessionFile, 'utf8')) as Record<string, string>;
      const session = JSON.parse(stored['stillframe-supabase-session'] ?? '{}') as { refresh_token: string; expires_at: number };
      writeFileSync(sessionFile, JSON.stringify({ 'stillframe-supabase-session': JSON.stringify({ ...session, expires_at: Math.floor(Date.now() / 1000) - 10 }) }));
      return session.refresh_token;
    };
    const spentRefreshToken = expire();
    await frank.api.invoke('sync.now', {});
    const renewed = JSON.parse(JSON.parse(readFileSync(sessionFile, 'utf8'))['stillframe-supabase-session'] as string) as { refresh_token: string; expires_at: number };
    // Refresh tokens are single-use: a new one means the session was renewed.
    expect(renewed.refresh_token).not.toBe(spentRefreshToken);
    expect(renewed.expires_at * 1000).toBeGreaterThan(Date.now());

    // Expired again, and its refresh token revoked on the server: a sync cannot renew it.
    expire();
    await supabase.admin.query('delete from auth.refresh_tokens where user_id::text = $1', [frank.userId]);
    await supabase.admin.query('delete from auth.sessions where user_id = $1', [frank.userId]);
    const refused = await frank.api.attempt('sync.now', {});
    expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: 'sign-in-required', message: 'Your session has expired and could not be renewed. Sign in again.' }) });
    expect((await frank.api.invoke('sync.status', {})).state).toBe('signed-out');
  }, 120_000);

  it('is kept while the server cannot be reached, and says the server is unreachable', async () => {
    const gina = await signedInDevice(supabase, `gina-${unique()}@example.com`);
    await gina.api.invoke('sync.settings.set', { url: 'http://127.0.0.1:9', anonKey: supabase.anonKey });
    const offline = await gina.api.attempt('sync.now', {});
    expect(offline).toEqual({ ok: false, error: expect.objectContaining({ code: 'network', message: expect.stringContaining('Can’t reach http://127.0.0.1:9') }) });
    const status = await gina.api.invoke('sync.status', {});
    expect(status).toMatchObject({ state: 'offline', user: { id: gina.userId } });
  }, 120_000);
});

describe('a Supabase project without Stillframe’s tables', () => {
  it('is refused with the command that adds them', async () => {
    const hana = await signedInDevice(supabase, `hana-${unique()}@example.com`);
    await supabase.admin.query('alter function public.stillframe_schema_version() rename to stillframe_schema_version_hidden');
    try {
      const refused = await hana.api.attempt('sync.now', {});
      expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: 'sync-not-set-up', message: expect.stringContaining('This Supabase project does not have Stillframe’s tables yet') }) });
      expect(refused.ok ? '' : refused.error.message).toContain('supabase db push');
    } finally {
      await supabase.admin.query('alter function public.stillframe_schema_version_hidden() rename to stillframe_schema_version');
    }
  }, 120_000);
});

describe('the command line', () => {
  it('logs in from the environment, syncs a project by name, says what it did, and logs out', async () => {
    const email = `kim-${unique()}@example.com`;
    await signedInDevice(supabase, email);
    const library = tempLibraryDir();
    const env = { SUPABASE_URL: supabase.url, SUPABASE_ANON_KEY: supabase.anonKey, STILLFRAME_EMAIL: email };
    expect(await cli(['sync', '--library', library], env)).toMatchObject({ code: 1, err: 'Sign in first with `stillframe login`, or set STILLFRAME_EMAIL and STILLFRAME_PASSWORD.' });
    const wrong = await cli(['login', '--library', library], { ...env, STILLFRAME_PASSWORD: 'wrong' });
    expect(wrong).toMatchObject({ code: 1, err: 'That email and password do not match an account on this Supabase project.' });
    const login = await cli(['login', '--library', library], { ...env, STILLFRAME_PASSWORD: testPassword });
    expect(login.code).toBe(0);
    expect(login.out).toContain(`as ${email}`);
    expect(login.out).toContain('supabase-session.UNENCRYPTED.json');

    const name = `Lighthouse ${unique()}`;
    expect((await cli(['projects', 'create', name, '--library', library])).code).toBe(0);
    const synced = await cli(['sync', '--project', name, '--json', '--library', library]);
    expect(synced.code, synced.err).toBe(0);
    expect(JSON.parse(synced.out)).toMatchObject({ rejected: 0, status: { user: { email } } });
    const server = await supabase.admin.query('select count(*)::int as n from public.projects where name = $1', [name]);
    expect(server.rows[0]?.n).toBe(1);

    expect(await cli(['logout', '--library', library])).toMatchObject({ code: 0 });
    expect(existsSync(path.join(library, plainSessionFile))).toBe(false);
  }, 120_000);
});
