import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useSupabaseDatabase } from './schema-helpers';

// supabase/migrations' live-team half (#15): sharing by email and role, the last owner, and who may join a
// project's Realtime channel, on a real PostgreSQL, called as the API and Realtime call it.

const { admin, makeUser, beginAs, as, pull, pullAll, device, makeProject, addMember } = useSupabaseDatabase();

const email = (who: string) => `${who}-${randomUUID()}@example.com`;

async function rpc(user: string, sql: string, params: unknown[]): Promise<unknown> {
  return as(user, async (c) => (await c.query(sql, params)).rows[0]?.result);
}

const invite = (user: string, project: string, address: string, role: string) =>
  rpc(user, 'select public.invite_member($1, $2, $3) as result', [project, address, role]);
const setRole = (user: string, project: string, member: string, role: string) =>
  rpc(user, 'select public.set_member_role($1, $2, $3) as result', [project, member, role]);
const remove = (user: string, project: string, member: string) =>
  rpc(user, 'select public.remove_member($1, $2) as result', [project, member]);

async function members(project: string): Promise<Record<string, string>> {
  const { rows } = await admin().query<{ user_id: string; role: string }>(
    'select user_id, role from public.project_members where project_id = $1',
    [project],
  );
  return Object.fromEntries(rows.map((r) => [r.user_id, r.role]));
}

/** Joining a private channel as Realtime authorises it: a probe row, read back as the caller with the topic set. */
async function canJoin(user: string, topic: string): Promise<boolean> {
  const client = await admin().connect();
  try {
    await client.query('begin');
    const id = randomUUID();
    await client.query("insert into realtime.messages (id, topic, extension) values ($1, $2, 'broadcast')", [id, topic]);
    await client.query('set local role authenticated');
    await client.query("select set_config('request.jwt.claims', $1, true), set_config('realtime.topic', $2, true)", [
      JSON.stringify({ sub: user, role: 'authenticated' }),
      topic,
    ]);
    const { rowCount } = await client.query('select 1 from realtime.messages where id = $1', [id]);
    return rowCount === 1;
  } finally {
    await client.query('rollback');
    client.release();
  }
}

/** Sending on a channel (presence or broadcast) as Realtime authorises it: an insert as the caller. */
async function canSend(user: string, topic: string, extension: 'presence' | 'broadcast'): Promise<boolean> {
  const client = await admin().connect();
  try {
    await beginAs(client, user);
    await client.query("select set_config('realtime.topic', $1, true)", [topic]);
    await client.query('insert into realtime.messages (topic, extension) values ($1, $2)', [topic, extension]);
    return true;
  } catch (error) {
    if (/row-level security/.test((error as Error).message)) return false;
    throw error;
  } finally {
    await client.query('rollback');
    client.release();
  }
}

describe('sharing', () => {
  it('makes an invited account a member at once, with the role it was given', async () => {
    const owner = await makeUser(email('owner'));
    const address = email('teammate');
    const teammate = await makeUser(address);
    const p = await makeProject(owner);

    expect(await invite(owner, p.project, address.toUpperCase(), 'editor')).toEqual({
      status: 'added',
      user_id: teammate,
      email: address,
      role: 'editor',
    });
    const listed = await as(teammate, (c) => c.query('select id, role from public.list_my_projects()'));
    expect(listed.rows).toEqual([{ id: p.project, role: 'editor' }]);
    expect((await pullAll(teammate, p.project)).map((r) => r.id)).toContain(p.annotation);
  });

  it('keeps an invite to an address without an account until that address signs up and is confirmed', async () => {
    const owner = await makeUser(email('owner'));
    const address = email('newcomer');
    const p = await makeProject(owner);

    expect(await invite(owner, p.project, address, 'viewer')).toEqual({ status: 'invited', email: address, role: 'viewer' });
    const listing = await as(owner, (c) => c.query('select email, role, pending from public.list_members($1)', [p.project]));
    expect(listing.rows).toContainEqual({ email: address, role: 'viewer', pending: true });

    const { rows } = await admin().query<{ id: string }>(
      'insert into auth.users (email) values ($1) returning id',
      [address],
    );
    const newcomer = rows[0]!.id;
    expect((await members(p.project))[newcomer]).toBeUndefined();
    await admin().query('update auth.users set email_confirmed_at = now() where id = $1', [newcomer]);
    expect((await members(p.project))[newcomer]).toBe('viewer');
    const left = await admin().query('select 1 from public.project_invites where email = $1', [address]);
    expect(left.rowCount).toBe(0);
  });

  it('lets only owners invite, change roles and remove others; any member may leave', async () => {
    const owner = await makeUser(email('owner'));
    const editor = await makeUser(email('editor'));
    const viewer = await makeUser(email('viewer'));
    const outsider = email('outsider');
    await makeUser(outsider);
    const p = await makeProject(owner);
    await addMember(p.project, editor, 'editor');
    await addMember(p.project, viewer, 'viewer');

    await expect(invite(editor, p.project, outsider, 'viewer')).rejects.toThrow(
      'Only an owner of this project can invite people',
    );
    await expect(setRole(editor, p.project, viewer, 'editor')).rejects.toThrow('Only an owner of this project can change roles');
    await expect(remove(editor, p.project, viewer)).rejects.toThrow('Only an owner of this project can remove members');
    await expect(setRole(owner, p.project, viewer, 'admin')).rejects.toThrow('A role is owner, editor, viewer or worker');
    await expect(invite(owner, p.project, 'not an address', 'viewer')).rejects.toThrow('is not an email address');

    await setRole(owner, p.project, viewer, 'editor');
    await remove(editor, p.project, editor);
    expect(await members(p.project)).toEqual({ [owner]: 'owner', [viewer]: 'editor' });
    await remove(owner, p.project, viewer);
    expect(await members(p.project)).toEqual({ [owner]: 'owner' });
  });

  it('always keeps at least one owner', async () => {
    const owner = await makeUser(email('owner'));
    const editor = await makeUser(email('editor'));
    const p = await makeProject(owner);
    await addMember(p.project, editor, 'editor');

    await expect(setRole(owner, p.project, owner, 'editor')).rejects.toThrow('A project needs at least one owner');
    await expect(remove(owner, p.project, owner)).rejects.toThrow('A project needs at least one owner');

    await setRole(owner, p.project, editor, 'owner');
    await remove(owner, p.project, owner);
    expect(await members(p.project)).toEqual({ [editor]: 'owner' });
    // Deleting the project takes its last owner's membership with it.
    const removed = await as(editor, (c) => c.query('delete from public.projects where id = $1', [p.project]));
    expect(removed.rowCount).toBe(1);
  });

  it('stops a removed member from reading the project', async () => {
    const owner = await makeUser(email('owner'));
    const editor = await makeUser(email('editor'));
    const p = await makeProject(owner);
    await addMember(p.project, editor, 'editor');
    expect((await pull(editor, p.project)).role).toBe('editor');

    await remove(owner, p.project, editor);
    expect(await pull(editor, p.project)).toMatchObject({ rows: [], role: null });
    expect(await canJoin(editor, `project:${p.project}`)).toBe(false);
    const d = device(editor);
    const result = await d.push([d.change('annotations', 'upsert', p.annotation, { note: 'after removal' })]);
    expect(result.rejected).toMatchObject([{ code: 'forbidden', message: 'You are not a member of this project' }]);
  });
});

describe('the project channel', () => {
  it('lets members join and show their presence, and nobody else', async () => {
    const owner = await makeUser(email('owner'));
    const viewer = await makeUser(email('viewer'));
    const stranger = await makeUser(email('stranger'));
    const p = await makeProject(owner);
    await addMember(p.project, viewer, 'viewer');
    const topic = `project:${p.project}`;

    expect(await canJoin(owner, topic)).toBe(true);
    expect(await canJoin(viewer, topic)).toBe(true);
    expect(await canJoin(stranger, topic)).toBe(false);
    expect(await canJoin(owner, `project:${randomUUID()}`)).toBe(false);
    expect(await canJoin(owner, 'lobby')).toBe(false);
    expect(await canSend(viewer, topic, 'presence')).toBe(true);
    expect(await canSend(stranger, topic, 'presence')).toBe(false);
    // Announcements of changes come from the database, never from a client.
    expect(await canSend(owner, topic, 'broadcast')).toBe(false);
  });

  it('announces each committed push once per project, with the seq to pull from', async () => {
    const owner = await makeUser(email('owner'));
    const p = await makeProject(owner);
    const topic = `project:${p.project}`;
    const announcements = async (event = 'changed') =>
      (
        await admin().query<{ event: string; payload: { project_id: string; seq: number }; private: boolean }>(
          "select event, payload, private from realtime.messages where topic = $1 and event = $2 order by (payload ->> 'seq')::bigint",
          [topic, event],
        )
      ).rows;
    const before = (await announcements()).length;
    expect(before).toBe(1);

    const d = p.device;
    const result = await d.push([
      d.change('annotations', 'upsert', p.annotation, { note: 'a' }),
      d.change('labels', 'upsert', randomUUID(), { project_id: p.project, name: 'Dent', color: '#0000ff' }),
      d.change('annotations', 'upsert', randomUUID(), { project_id: p.project, frame_id: p.frame, type: 'point', points: [1, 1] }),
    ]);
    const after = await announcements();
    expect(after).toHaveLength(before + 1);
    const last = after.at(-1)!;
    expect(last).toMatchObject({ event: 'changed', private: true, payload: { project_id: p.project } });
    expect(last.payload.seq).toBeLessThanOrEqual(result.seq);
    expect(last.payload.seq).toBeGreaterThan(0);

    const refused = await d.push([d.change('annotations', 'upsert', p.annotation, { type: 'circle' })]);
    expect(refused.rejected).toHaveLength(1);
    expect(await announcements()).toHaveLength(before + 1);

    const viewer = await makeUser(email('viewer'));
    await addMember(p.project, viewer, 'viewer');
    expect(await announcements('members')).toHaveLength(2);
  });
});
