import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { addMember, seedProjectWithFiles, shapeState, signedInDevice } from '../test-support/sync-devices';
import { supabaseForTests, type TestSupabase } from '../test-support/supabase/stand-in';

let supabase: TestSupabase;
const unique = () => uuidv7().slice(-8);

beforeAll(async () => {
  supabase = await supabaseForTests();
}, 120_000);

afterAll(async () => {
  await supabase?.stop();
});

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
