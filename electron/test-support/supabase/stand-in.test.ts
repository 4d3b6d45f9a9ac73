import { request as httpRequest } from 'node:http';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSupabaseStandIn, type SupabaseStandIn } from './stand-in';

// Fixtures of this test's own, so the stand-in is checked apart from Stillframe's migrations.
const fixtures = `
create table public.notes (
  id bigint generated always as identity primary key,
  owner uuid not null default auth.uid(),
  title text not null,
  stars int not null default 0,
  tags text[] not null default '{}'
);
alter table public.notes enable row level security;
grant all on public.notes to anon, authenticated;
create policy "own notes are read" on public.notes for select using ((select auth.uid()) = owner);
create policy "own notes are written" on public.notes for insert with check ((select auth.uid()) = owner);
create policy "own notes are changed" on public.notes for update using ((select auth.uid()) = owner);
create policy "own notes are deleted" on public.notes for delete using ((select auth.uid()) = owner);
create function public.whoami() returns uuid language sql stable as $$ select auth.uid() $$;
create function public.add(a int, b int default 1) returns int language sql as $$ select a + b $$;
create function public.summary(tags jsonb) returns jsonb language sql as $$ select jsonb_build_object('count', jsonb_array_length(tags), 'role', auth.role()) $$;
create function public.forget() returns void language sql as $$ select $$;
insert into storage.buckets (id, name, public) values ('scratch', 'scratch', false);
create policy "own folder is read" on storage.objects for select to authenticated
  using (bucket_id = 'scratch' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy "own folder is written" on storage.objects for insert to authenticated
  with check (bucket_id = 'scratch' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy "own folder is overwritten" on storage.objects for update to authenticated
  using (bucket_id = 'scratch' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy "own folder is emptied" on storage.objects for delete to authenticated
  using (bucket_id = 'scratch' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy "room members listen" on realtime.messages for select to authenticated
  using (realtime.topic() in ('room:shared', 'room:' || (select auth.uid())::text));
create policy "room members speak" on realtime.messages for insert to authenticated
  with check (realtime.topic() in ('room:shared', 'room:' || (select auth.uid())::text));
`;

let standIn: SupabaseStandIn;
let startupMs = 0;

// ws, because vitest may run on a Node without a global WebSocket, which realtime-js needs even when unused.
const client = (): SupabaseClient => createClient(standIn.url, standIn.anonKey, {
  auth: { persistSession: false, autoRefreshToken: false },
  realtime: { transport: WebSocket as never },
});

async function signedUp(email: string): Promise<{ supabase: SupabaseClient; userId: string }> {
  const supabase = client();
  const { data, error } = await supabase.auth.signUp({ email, password: 'correct horse' });
  expect(error).toBeNull();
  return { supabase, userId: data.user!.id };
}

beforeAll(async () => {
  const started = performance.now();
  standIn = await startSupabaseStandIn({ sql: [fixtures] });
  startupMs = performance.now() - started;
  console.log(`Supabase stand-in started in ${Math.round(startupMs)} ms`);
});

afterAll(async () => {
  await standIn?.stop();
});

describe('auth', () => {
  it('signs up, signs in, and says so when the password is wrong', async () => {
    const { supabase, userId } = await signedUp('ada@example.com');
    const { data: user } = await supabase.auth.getUser();
    expect(user.user?.email).toBe('ada@example.com');

    const again = await client().auth.signUp({ email: 'ada@example.com', password: 'another one' });
    expect(again.error?.message).toBe('User already registered');

    const other = client();
    const signedIn = await other.auth.signInWithPassword({ email: 'ada@example.com', password: 'correct horse' });
    expect(signedIn.error).toBeNull();
    expect(signedIn.data.user?.id).toBe(userId);

    const wrong = await client().auth.signInWithPassword({ email: 'ada@example.com', password: 'wrong horse' });
    expect(wrong.error?.message).toBe('Invalid login credentials');
    expect(wrong.error?.code).toBe('invalid_credentials');
    expect(wrong.error?.status).toBe(400);

    const short = await client().auth.signUp({ email: 'bo@example.com', password: 'abc' });
    expect(short.error?.code).toBe('weak_password');

    const service = createClient(standIn.url, standIn.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } });
    const made = await service.auth.admin.createUser({ email: 'worker@example.com', password: 'worker pass', email_confirm: true });
    expect(made.error).toBeNull();
    expect((await client().auth.signInWithPassword({ email: 'worker@example.com', password: 'worker pass' })).error).toBeNull();
    expect((await supabase.auth.admin.createUser({ email: 'sneaky@example.com', password: 'whatever1' })).error?.status).toBe(403);
    await service.auth.admin.createUser({ email: 'unconfirmed@example.com', password: 'not yet confirmed' });
    const unconfirmed = await client().auth.signInWithPassword({ email: 'unconfirmed@example.com', password: 'not yet confirmed' });
    expect(unconfirmed.error?.code).toBe('email_not_confirmed');
  });

  it('refreshes an expired session and ends it on sign-out', async () => {
    standIn.setAccessTokenSeconds(1);
    try {
      const { supabase, userId } = await signedUp('expiring@example.com');
      const { data: first } = await supabase.auth.getSession();
      await new Promise((resolve) => setTimeout(resolve, 1500));

      const stale = await fetch(`${standIn.url}/rest/v1/rpc/whoami`, {
        method: 'POST',
        headers: { apikey: standIn.anonKey, authorization: `Bearer ${first.session!.access_token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(stale.status).toBe(401);
      expect(await stale.json()).toMatchObject({ code: 'PGRST303', message: 'JWT expired' });

      // supabase-js sees the session expired and refreshes it before the call.
      const { data, error } = await supabase.rpc('whoami');
      expect(error).toBeNull();
      expect(data).toBe(userId);
      const { data: second } = await supabase.auth.getSession();
      expect(second.session!.refresh_token).not.toBe(first.session!.refresh_token);

      const replayed = await client().auth.refreshSession({ refresh_token: 'not-a-token' });
      expect(replayed.error?.message).toBe('Invalid Refresh Token: Refresh Token Not Found');

      await supabase.auth.signOut();
      const afterSignOut = await client().auth.refreshSession({ refresh_token: second.session!.refresh_token });
      expect(afterSignOut.error).not.toBeNull();
    } finally {
      standIn.setAccessTokenSeconds(3600);
    }
  });
});

describe('rest', () => {
  it('calls functions with named arguments', async () => {
    const { supabase, userId } = await signedUp('rpc@example.com');
    expect((await supabase.rpc('whoami')).data).toBe(userId);
    expect((await supabase.rpc('add', { a: 2, b: 3 })).data).toBe(5);
    expect((await supabase.rpc('add', { a: 2 })).data).toBe(3);
    expect((await supabase.rpc('summary', { tags: ['a', 'b'] })).data).toEqual({ count: 2, role: 'authenticated' });
    const nothing = await supabase.rpc('forget');
    expect(nothing.error).toBeNull();
    expect(nothing.data).toBeNull();
    const anonymous = await client().rpc('summary', { tags: [] });
    expect(anonymous.data).toEqual({ count: 0, role: 'anon' });

    const missing = await supabase.rpc('no_such_function', { x: 1 });
    expect(missing.status).toBe(404);
    expect(missing.error?.code).toBe('PGRST202');
  });

  it('reads and writes tables as the caller, so RLS decides', async () => {
    const ada = await signedUp('notes-ada@example.com');
    const bo = await signedUp('notes-bo@example.com');
    const inserted = await ada.supabase.from('notes').insert([{ title: 'first', stars: 1 }, { title: 'second', stars: 5 }, { title: 'third', stars: 3 }]).select();
    expect(inserted.error).toBeNull();
    expect(inserted.data).toHaveLength(3);

    const mine = await ada.supabase.from('notes').select('title, stars', { count: 'exact' }).gt('stars', 1).order('stars', { ascending: false }).limit(1);
    expect(mine.data).toEqual([{ title: 'second', stars: 5 }]);
    expect(mine.count).toBe(2);
    const some = await ada.supabase.from('notes').select('title').in('title', ['first', 'third']).order('title');
    expect(some.data).toEqual([{ title: 'first' }, { title: 'third' }]);
    const one = await ada.supabase.from('notes').select('stars').eq('title', 'third').single();
    expect(one.data).toEqual({ stars: 3 });
    const either = await ada.supabase.from('notes').select('title').or('stars.gt.4,and(title.eq.first,stars.not.is.null)').order('title');
    expect(either.data).toEqual([{ title: 'first' }, { title: 'second' }]);
    await ada.supabase.from('notes').update({ tags: ['red', 'blue'] }).eq('title', 'third');
    const tagged = await ada.supabase.from('notes').select('title').contains('tags', ['blue']);
    expect(tagged.data).toEqual([{ title: 'third' }]);

    expect((await bo.supabase.from('notes').select('*')).data).toEqual([]);
    const forged = await bo.supabase.from('notes').insert({ title: 'forged', owner: ada.userId });
    expect(forged.error?.code).toBe('42501');
    expect(forged.status).toBe(403);
    await bo.supabase.from('notes').update({ title: 'defaced' }).eq('title', 'first');
    await bo.supabase.from('notes').delete().eq('title', 'second');
    const untouched = await standIn.admin.query<{ title: string }>('select title from public.notes order by id');
    expect(untouched.rows.map((row) => row.title)).toEqual(['first', 'second', 'third']);

    const changed = await ada.supabase.from('notes').update({ stars: 9 }).eq('title', 'first').select('stars');
    expect(changed.data).toEqual([{ stars: 9 }]);

    // As PostgREST: in a bulk insert a key some rows leave out is null, unless the client asks for the column default.
    const nulls = await ada.supabase.from('notes').insert([{ title: 'defaulted' }, { title: 'given', stars: 2 }]);
    expect(nulls.error?.code).toBe('23502');
    const mixed = await ada.supabase.from('notes').insert([{ title: 'defaulted' }, { title: 'given', stars: 2 }], { defaultToNull: false })
      .select('title, stars');
    expect(mixed.data).toEqual([{ title: 'defaulted', stars: 0 }, { title: 'given', stars: 2 }]);

    const unknown = await ada.supabase.from('no_such_table').select('*');
    expect(unknown.status).toBe(404);
    expect(unknown.error?.code).toBe('PGRST205');
  });
});

describe('storage', () => {
  it('uploads, downloads, refuses duplicates and other people\'s folders', async () => {
    const ada = await signedUp('files-ada@example.com');
    const bo = await signedUp('files-bo@example.com');
    const frames = () => ada.supabase.storage.from('scratch');
    const name = `${ada.userId}/batch/frame_000001.jpg`;
    const bytes = Buffer.from('not really a jpeg, but bytes all the same');

    const uploaded = await frames().upload(name, bytes, { contentType: 'image/jpeg' });
    expect(uploaded.error).toBeNull();
    expect(uploaded.data?.fullPath).toBe(`scratch/${name}`);

    const downloaded = await frames().download(name);
    expect(Buffer.from(await downloaded.data!.arrayBuffer())).toEqual(bytes);
    expect(downloaded.data!.type).toBe('image/jpeg');

    const duplicate = await frames().upload(name, bytes);
    expect(duplicate.error).toMatchObject({ statusCode: '409', message: 'The resource already exists' });
    expect((await frames().upload(name, Buffer.from('newer'), { upsert: true })).error).toBeNull();
    expect(await (await frames().download(name)).data!.text()).toBe('newer');

    const asBlob = await frames().upload(`${ada.userId}/batch/frame_000002.jpg`, new Blob(['from a blob'], { type: 'image/jpeg' }));
    expect(asBlob.error).toBeNull();
    expect(await (await frames().download(`${ada.userId}/batch/frame_000002.jpg`)).data!.text()).toBe('from a blob');

    const listed = await frames().list(`${ada.userId}/batch`);
    expect(listed.data?.map((entry) => entry.name)).toEqual(['frame_000001.jpg', 'frame_000002.jpg']);
    expect((await frames().exists(name)).data).toBe(true);

    const forbidden = await bo.supabase.storage.from('scratch').upload(name, Buffer.from('x'), { upsert: true });
    expect(forbidden.error).toMatchObject({ statusCode: '403' });
    const intoAdas = await bo.supabase.storage.from('scratch').upload(`${ada.userId}/batch/frame_000003.jpg`, Buffer.from('x'));
    expect(intoAdas.error).toMatchObject({ statusCode: '403' });
    const peek = await bo.supabase.storage.from('scratch').download(name);
    expect(peek.error).not.toBeNull();
    expect(peek.data).toBeNull();

    const signed = await frames().createSignedUrl(name, 60);
    const fetched = await fetch(signed.data!.signedUrl);
    expect(await fetched.text()).toBe('newer');
    const tampered = await fetch(signed.data!.signedUrl.replace('frame_000001', 'frame_000002'));
    expect(tampered.status).toBe(400);
    expect((await bo.supabase.storage.from('scratch').createSignedUrl(name, 60)).error).not.toBeNull();

    const removed = await frames().remove([name]);
    expect(removed.data).toHaveLength(1);
    expect((await frames().download(name)).error).not.toBeNull();
  });

  it('takes resumable (TUS) uploads across several requests', async () => {
    const ada = await signedUp('tus-ada@example.com');
    const token = (await ada.supabase.auth.getSession()).data.session!.access_token;
    const name = `${ada.userId}/videos/clip.mp4`;
    const bytes = Buffer.alloc(200_000, 7);
    const headers = { apikey: standIn.anonKey, authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };
    const meta = (value: string) => Buffer.from(value).toString('base64');
    const created = await fetch(`${standIn.url}/storage/v1/upload/resumable`, {
      method: 'POST',
      headers: { ...headers, 'upload-length': String(bytes.length), 'upload-metadata': `bucketName ${meta('scratch')},objectName ${meta(name)},contentType ${meta('video/mp4')}` },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const patch = (offset: number, chunk: Buffer, at = location) => fetch(at, {
      method: 'PATCH', headers: { ...headers, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, body: new Uint8Array(chunk),
    });
    expect((await patch(0, bytes.subarray(0, 80_000))).headers.get('upload-offset')).toBe('80000');
    const head = await fetch(location, { method: 'HEAD', headers });
    expect(head.headers.get('upload-offset')).toBe('80000');
    expect((await patch(0, bytes.subarray(0, 10))).status).toBe(409);
    expect((await patch(80_000, bytes.subarray(80_000))).status).toBe(204);
    const downloaded = await ada.supabase.storage.from('scratch').download(name);
    expect(Buffer.from(await downloaded.data!.arrayBuffer())).toEqual(bytes);

    const inOne = await fetch(`${standIn.url}/storage/v1/upload/resumable`, {
      method: 'POST',
      headers: { ...headers, 'upload-length': '5', 'content-type': 'application/offset+octet-stream',
        'upload-metadata': `bucketName ${meta('scratch')},objectName ${meta(`${ada.userId}/videos/tiny.mp4`)}` },
      body: 'tiny!',
    });
    expect(inOne.status).toBe(201);
    expect(await (await ada.supabase.storage.from('scratch').download(`${ada.userId}/videos/tiny.mp4`)).data!.text()).toBe('tiny!');

    // A connection cut mid-PATCH keeps what arrived; the upload resumes from the offset HEAD reports.
    const resumedName = `${ada.userId}/videos/resumed.mp4`;
    const resumable = await fetch(`${standIn.url}/storage/v1/upload/resumable`, {
      method: 'POST',
      headers: { ...headers, 'upload-length': String(bytes.length), 'upload-metadata': `bucketName ${meta('scratch')},objectName ${meta(resumedName)}` },
    });
    const resumeAt = resumable.headers.get('location')!;
    const cut = new Promise<void>((resolve) => {
      const request = httpRequest(resumeAt, { method: 'PATCH', headers: { ...headers, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' } });
      request.on('error', () => resolve());
      request.write(bytes.subarray(0, 50_000), () => setTimeout(() => standIn.dropConnections(), 200));
    });
    await cut;
    const offset = Number((await fetch(resumeAt, { method: 'HEAD', headers })).headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(50_000);
    expect((await patch(offset, bytes.subarray(offset), resumeAt)).status).toBe(204);
    const resumed = await ada.supabase.storage.from('scratch').download(resumedName);
    expect(Buffer.from(await resumed.data!.arrayBuffer())).toEqual(bytes);

    const bo = await signedUp('tus-bo@example.com');
    const boToken = (await bo.supabase.auth.getSession()).data.session!.access_token;
    const refused = await fetch(`${standIn.url}/storage/v1/upload/resumable`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${boToken}`, 'upload-length': '10', 'upload-metadata': `bucketName ${meta('scratch')},objectName ${meta(`${ada.userId}/videos/other.mp4`)}` },
    });
    expect(refused.status).toBe(403);
  });
});

type Channel = ReturnType<SupabaseClient['channel']>;

/** Subscribes and resolves with the first status that settles it: SUBSCRIBED, CHANNEL_ERROR (with its message), TIMED_OUT. */
function subscribed(channel: Channel): Promise<{ status: string; message?: string }> {
  return new Promise((resolve) => {
    channel.subscribe((status, error) => {
      if (status !== 'CLOSED') resolve({ status, message: error?.message });
    });
  });
}

function nextBroadcast(channel: Channel, event: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    channel.on('broadcast', { event }, (message) => resolve(message.payload as Record<string, unknown>));
  });
}

describe('realtime', () => {
  it('lets only permitted users join private channels and delivers broadcasts and database messages', async () => {
    const ada = await signedUp('live-ada@example.com');
    const bo = await signedUp('live-bo@example.com');

    const refused = await subscribed(bo.supabase.channel(`room:${ada.userId}`, { config: { private: true } }));
    expect(refused.status).toBe('CHANNEL_ERROR');
    expect(refused.message).toContain('Unauthorized');

    const adaRoom = ada.supabase.channel('room:shared', { config: { private: true } });
    const cursor = nextBroadcast(adaRoom, 'cursor');
    const changed = nextBroadcast(adaRoom, 'changed');
    expect((await subscribed(adaRoom)).status).toBe('SUBSCRIBED');
    const boRoom = bo.supabase.channel('room:shared', { config: { private: true } });
    const seen = new Promise<string[]>((resolve) => {
      boRoom.on('presence', { event: 'join' }, ({ newPresences }) => resolve(newPresences.map((presence) => String(presence.name))));
    });
    expect((await subscribed(boRoom)).status).toBe('SUBSCRIBED');

    expect(await boRoom.send({ type: 'broadcast', event: 'cursor', payload: { x: 3 } })).toBe('ok');
    expect(await cursor).toEqual({ x: 3 });

    await standIn.admin.query(`select realtime.send('{"seq": 7}'::jsonb, 'changed', 'room:shared', true)`);
    expect(await changed).toMatchObject({ seq: 7 });

    await adaRoom.track({ name: 'ada' });
    expect(await seen).toEqual(['ada']);

    await ada.supabase.removeAllChannels();
    await bo.supabase.removeAllChannels();
  });

  it('closes a private channel when its access token expires', async () => {
    // Expiry is in whole seconds: two, so the token is still valid when the channel joins.
    standIn.setAccessTokenSeconds(2);
    try {
      const ada = await signedUp('short-lived@example.com');
      const room = ada.supabase.channel('room:shared', { config: { private: true } });
      const closed = new Promise<string[]>((resolve) => {
        const statuses: string[] = [];
        room.subscribe((status) => {
          statuses.push(status);
          if (status === 'CLOSED') resolve(statuses);
        });
      });
      expect(await closed).toEqual(['SUBSCRIBED', 'CLOSED']);
      await ada.supabase.removeAllChannels();
    } finally {
      standIn.setAccessTokenSeconds(3600);
    }
  });

  it('relays public channel broadcasts between both protocol versions', async () => {
    const oldClient = createClient(standIn.url, standIn.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: WebSocket as never, vsn: '1.0.0' },
    });
    const listener = oldClient.channel('lobby');
    const wave = nextBroadcast(listener, 'wave');
    expect((await subscribed(listener)).status).toBe('SUBSCRIBED');
    const speaker = client().channel('lobby');
    expect((await subscribed(speaker)).status).toBe('SUBSCRIBED');
    await speaker.send({ type: 'broadcast', event: 'wave', payload: { from: 'new' } });
    expect(await wave).toEqual({ from: 'new' });

    const other = client().channel('lobby');
    const bytes = new Promise<unknown>((resolve) => other.on('broadcast', { event: 'bytes' }, (message) => resolve(message.payload)));
    expect((await subscribed(other)).status).toBe('SUBSCRIBED');
    await speaker.send({ type: 'broadcast', event: 'bytes', payload: new Uint8Array([1, 2, 3]).buffer });
    expect(new Uint8Array(await bytes as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
    await other.unsubscribe();
    await oldClient.removeAllChannels();
    await speaker.unsubscribe();
  });

  it('rejoins after the connection drops and delivers again', async () => {
    const ada = await signedUp('drop-ada@example.com');
    const room = ada.supabase.channel('room:shared', { config: { private: true } });
    const statuses: string[] = [];
    const rejoined = new Promise<void>((resolve) => {
      room.subscribe((status) => {
        statuses.push(status);
        if (status === 'SUBSCRIBED' && statuses.length > 1) resolve();
      });
    });
    await new Promise<void>((resolve) => {
      const wait = () => (statuses.includes('SUBSCRIBED') ? resolve() : setTimeout(wait, 20));
      wait();
    });
    standIn.dropConnections();
    await rejoined;
    expect(statuses).toContain('CHANNEL_ERROR');
    const changed = nextBroadcast(room, 'changed');
    await standIn.admin.query(`select realtime.send('{"seq": 8}'::jsonb, 'changed', 'room:shared', true)`);
    expect(await changed).toMatchObject({ seq: 8 });
    await ada.supabase.removeAllChannels();
  });
});

describe('traffic', () => {
  it('goes offline and comes back', async () => {
    const supabase = client();
    standIn.setOffline(true);
    try {
      const offline = await supabase.rpc('add', { a: 1 });
      expect(offline.error?.message).toContain('fetch failed');
    } finally {
      standIn.setOffline(false);
    }
    expect((await supabase.rpc('add', { a: 1 })).data).toBe(2);
  });

  it('counts requests and bytes, and adds the configured latency', async () => {
    standIn.resetStats();
    standIn.setLatency(30);
    try {
      const started = performance.now();
      await client().rpc('add', { a: 1 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(30);
      const stats = standIn.stats();
      expect(stats.requests).toBe(1);
      expect(stats.bytesIn).toBeGreaterThan(0);
      expect(stats.bytesOut).toBeGreaterThan(0);
    } finally {
      standIn.setLatency(0);
    }
  });
});
