import { createClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { uuidv7 } from '../../shared/ids';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { seedBatchWithFiles, seedProjectWithFiles, shapeState, signedInDevice, testPassword } from '../test-support/sync-devices';
import { supabaseForThisFile } from '../test-support/supabase/for-this-file';
import type { TestSupabase } from '../test-support/supabase/stand-in';

let supabase: TestSupabase;
const unique = () => uuidv7().slice(-8);

supabaseForThisFile((started) => (supabase = started));

/** Waits for what a person would wait for on screen; fails with `what` if it never comes. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Never happened: ${what}`);
}

const rect = (frameId: string, points: number[]) => ({ id: uuidv7(), frameId, type: 'rectangle' as const, points, labelId: null });

/** Alice's synced project, shared with Bob through the Share calls with `role`; both apps up (the sync loop started). */
async function sharedProject(role: 'editor' | 'viewer' = 'editor') {
  const alice = await signedInDevice(supabase, `alice-${unique()}@example.com`);
  const bobEmail = `bob-${unique()}@example.com`;
  const bob = await signedInDevice(supabase, bobEmail);
  const seeded = seedProjectWithFiles(alice.services, `Harbour ${unique()}`, 2);
  await alice.api.invoke('sync.linkProject', { projectId: seeded.project.id });
  await alice.api.invoke('sync.now', {});
  const invited = await alice.api.invoke('team.invite', { projectId: seeded.project.id, email: bobEmail, role });
  expect(invited).toMatchObject({ status: 'added', role });
  await bob.api.invoke('sync.openCloudProject', { projectId: seeded.project.id });
  alice.services.sync.start();
  bob.services.sync.start();
  const following = (device: typeof alice) => device.services.sync.live.following().includes(seeded.project.id);
  await eventually('both apps on the project’s channel', () => following(alice) && following(bob));
  return { alice, bob, bobEmail, ...seeded };
}

describe('live changes', () => {
  it('shows a teammate’s edit without anyone syncing, and again after every connection drops', async () => {
    const { alice, bob, project, frames } = await sharedProject();
    const frameId = frames[0]?.id ?? '';
    const changes: string[] = [];
    bob.services.events.on('library.changed', (change) => {
      if (change.projectId === project.id) changes.push(change.entity);
    });
    const box = await alice.api.invoke('shapes.save', { shape: rect(frameId, [10, 10, 50, 50]) });
    await eventually('Alice’s box on Bob’s machine', () => shapeState(bob.services, project.id).length === 1);
    expect(shapeState(bob.services, project.id)).toEqual(shapeState(alice.services, project.id));
    // Bob's open views hear of it, so the annotator and the grid re-read.
    expect(changes).toContain('project');
    // A move carries ids and an offset to Alice's library; the moved rows reach the server and Bob as any edit does.
    await alice.api.invoke('shapes.move', { moveId: uuidv7(), frameId, ids: [box.id], dx: 5, dy: 7 });
    await eventually('Alice’s moved box on Bob’s machine', () => shapeState(bob.services, project.id)[0]?.points === '[15,17,55,57]');

    if (!supabase.standIn) return;
    supabase.standIn.dropConnections();
    // While the channels are down, a change lands on the server; the rejoin pulls it.
    await bob.api.invoke('shapes.save', { shape: rect(frameId, [60, 60, 90, 90]) });
    await eventually('Bob’s box on Alice’s machine after the drop', () => shapeState(alice.services, project.id).length === 2);
    await alice.api.invoke('shapes.save', { shape: rect(frameId, [100, 10, 120, 30]) });
    await eventually('both machines agree after the drop', () => shapeState(bob.services, project.id).length === 3);
    expect(shapeState(bob.services, project.id)).toEqual(shapeState(alice.services, project.id));
  }, 120_000);

  it('brings a teammate’s new frames, with their thumbnails, into the grid by itself', async () => {
    const { alice, bob, project } = await sharedProject();
    const { batch, frames } = seedBatchWithFiles(alice.services, project.id, 'Evening', 3);
    // What an import announces when its frames are in.
    alice.services.events.emit('library.changed', { entity: 'batch', projectId: project.id, batchId: batch.id });
    const bobFrames = async () => (await bob.api.invoke('frames.list', { batchId: batch.id })).frames;
    await eventually('the new frames on Bob’s machine', async () => (await bobFrames().catch(() => [])).length === 3);
    await eventually('their thumbnails on Bob’s machine', async () => (await bobFrames()).every((frame) => existsSync(path.join(bob.services.paths.root, frame.thumbPath))));
    expect((await bobFrames()).map((frame) => frame.id).sort()).toEqual(frames.map((frame) => frame.id).sort());
  }, 120_000);

  it('keeps hearing changes after the access token runs out: Realtime gets the renewed one', async () => {
    const standIn = supabase.standIn;
    if (!standIn) return;
    standIn.setAccessTokenSeconds(2);
    try {
      const { alice, bob, project, frames } = await sharedProject();
      // Past the tokens' end: the server closes channels joined with them.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await alice.api.invoke('shapes.save', { shape: rect(frames[0]?.id ?? '', [10, 10, 50, 50]) });
      await eventually('Alice’s box on Bob’s machine after the token ran out', () => shapeState(bob.services, project.id).length === 1);
    } finally {
      standIn.setAccessTokenSeconds(3600);
    }
  }, 120_000);

  it('shows who else is in the project and which frame they have open', async () => {
    const { alice, bob, bobEmail, project, batch, frames } = await sharedProject();
    const seen: string[] = [];
    alice.services.events.on('presence.changed', (change) => {
      if (change.projectId === project.id) seen.push(change.people.map((person) => `${person.email ?? ''}@${person.frameId ?? ''}`).join(','));
    });
    await bob.api.invoke('presence.set', { place: { projectId: project.id, batchId: batch.id, frameId: frames[1]?.id ?? null } });
    await eventually('Bob in Alice’s project', async () => (await alice.api.invoke('presence.list', { projectId: project.id })).length === 1);
    expect(await alice.api.invoke('presence.list', { projectId: project.id })).toEqual([
      expect.objectContaining({ email: bobEmail, batchId: batch.id, frameId: frames[1]?.id }),
    ]);
    expect(seen).toContain(`${bobEmail}@${frames[1]?.id ?? ''}`);
    await bob.api.invoke('presence.set', { place: null });
    await eventually('Bob gone from Alice’s project', async () => (await alice.api.invoke('presence.list', { projectId: project.id })).length === 0);
  }, 120_000);
});

describe('sharing', () => {
  it('lets a viewer change nothing, in the app (read-only role) or through supabase-js directly', async () => {
    const { bob, bobEmail, project, batch } = await sharedProject('viewer');
    const status = await bob.api.invoke('sync.status', {});
    expect(status.projects.find((item) => item.projectId === project.id)).toMatchObject({ role: 'viewer' });
    const direct = createClient(supabase.url, supabase.anonKey, { auth: { persistSession: false } });
    await direct.auth.signInWithPassword({ email: bobEmail, password: testPassword });
    await direct.from('projects').update({ name: 'Renamed by a viewer' }).eq('id', project.id);
    const pushed = await direct.rpc('push_changes', {
      client_id: uuidv7(),
      changes: [{ op_id: 1, table: 'batches', op: 'upsert', id: batch.id, row: { name: 'Renamed by a viewer' } }],
    });
    expect(pushed.data).toMatchObject({ applied: [], rejected: [expect.objectContaining({ code: 'forbidden' })] });
    const invite = await direct.rpc('invite_member', { project_id: project.id, email: `friend-${unique()}@example.com`, role: 'owner' });
    expect(invite.error?.message).toBe('Only an owner of this project can invite people');
    const server = await supabase.admin.query('select name from public.projects where id = $1', [project.id]);
    expect(server.rows).toEqual([{ name: project.name }]);
    const refused = await bob.api.attempt('team.invite', { projectId: project.id, email: `friend-${unique()}@example.com`, role: 'editor' });
    expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: 'access-denied', message: 'Only an owner of this project can invite people' }) });
  }, 120_000);

  it('keeps no channel for a non-member: realtime-js cannot join it', async () => {
    const { project } = await sharedProject();
    const email = `eve-${unique()}@example.com`;
    await signedInDevice(supabase, email);
    const stranger = createClient(supabase.url, supabase.anonKey, { auth: { persistSession: false }, realtime: { transport: WebSocket as never } });
    const { data } = await stranger.auth.signInWithPassword({ email, password: testPassword });
    await stranger.realtime.setAuth(data.session?.access_token ?? null);
    const outcome = await new Promise<string>((resolve) => {
      stranger.channel(`project:${project.id}`, { config: { private: true } }).subscribe((state) => {
        if (state !== 'CLOSED') resolve(state);
      });
    });
    expect(outcome).toBe('CHANNEL_ERROR');
    await stranger.removeAllChannels();
  }, 120_000);

  it('stops a removed member’s sync and keeps their copy, marked no longer shared', async () => {
    const { alice, bob, project, frames } = await sharedProject();
    const members = await alice.api.invoke('team.members', { projectId: project.id });
    const bobId = members.find((member) => member.role === 'editor')?.userId ?? '';
    await alice.api.invoke('team.remove', { projectId: project.id, userId: bobId });
    const bobProject = async () => (await bob.api.invoke('sync.status', {})).projects.find((item) => item.projectId === project.id);
    await eventually('Bob’s copy marked no longer shared', async () => (await bobProject())?.state === 'unshared');
    expect(await bobProject()).toMatchObject({ state: 'unshared', message: expect.stringContaining('no longer shared') });
    await alice.api.invoke('shapes.save', { shape: rect(frames[0]?.id ?? '', [10, 10, 50, 50]) });
    await eventually('Alice’s box on the server', async () => {
      const rows = await supabase.admin.query('select count(*)::int as n from public.annotations where project_id = $1', [project.id]);
      return rows.rows[0]?.n === 1;
    });
    await bob.api.invoke('sync.now', {});
    expect(shapeState(bob.services, project.id)).toEqual([]);
    expect((await bob.api.invoke('projects.list', {})).map((item) => item.id)).toEqual([project.id]);
    expect(bob.services.sync.live.following()).toEqual([]);
  }, 120_000);

  it('closes its Realtime connection when the library closes, instead of keeping it for another minute', async () => {
    const { bob, project } = await sharedProject();
    await eventually('Bob on the project’s channel', () => bob.services.sync.live.joined(project.id));
    const realtime = (await bob.services.sync.session.supabase()).realtime;
    expect(realtime.isConnected()).toBe(true);
    // What closing the library does for sync (the test's own clean-up closes the rest).
    bob.services.sync.stop();
    await bob.services.sync.idle();
    expect(realtime.isConnected()).toBe(false);
  }, 60_000);

  it('makes an existing account a member at once, and an unknown address a member when it signs up', async () => {
    const owner = await signedInDevice(supabase, `olga-${unique()}@example.com`);
    const { project } = seedProjectWithFiles(owner.services, `Dock ${unique()}`, 1);
    await owner.api.invoke('sync.linkProject', { projectId: project.id });
    await owner.api.invoke('sync.now', {});
    const laterEmail = `later-${unique()}@example.com`;
    const invited = await owner.api.invoke('team.invite', { projectId: project.id, email: laterEmail, role: 'viewer' });
    expect(invited).toMatchObject({ status: 'invited', message: expect.stringContaining('when they sign up') });
    expect(await owner.api.invoke('team.members', { projectId: project.id })).toEqual([
      expect.objectContaining({ role: 'owner', pending: false }),
      { userId: null, email: laterEmail, role: 'viewer', pending: true },
    ]);
    const later = await signedInDevice(supabase, laterEmail);
    expect((await later.api.invoke('sync.cloudProjects', {})).map((item) => [item.id, item.role])).toEqual([[project.id, 'viewer']]);
    const members = await owner.api.invoke('team.members', { projectId: project.id });
    expect(members.map((member) => [member.email, member.role, member.pending]).sort()).toEqual([
      [laterEmail, 'viewer', false],
      [expect.stringMatching(/^olga-/), 'owner', false],
    ]);
    const lonely = await owner.api.attempt('team.leave', { projectId: project.id });
    expect(lonely).toEqual({ ok: false, error: expect.objectContaining({ message: 'A project needs at least one owner: make someone else an owner first' }) });
  }, 120_000);
});
