import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useSupabaseDatabase } from './schema-helpers';

// supabase/migrations' sync half (#13) on a real PostgreSQL with Supabase's base schemas, called as the API calls it.

const { admin, makeUser, beginAs, as, push, pull, pullAll, device, makeProject, addMember, annotation } =
  useSupabaseDatabase();

describe('push and pull', () => {
  it('pulls in seq order everything a push made, the creator becoming its owner', async () => {
    const owner = await makeUser(`owner-${randomUUID()}@example.com`);
    const p = await makeProject(owner);

    const rows = await pullAll(owner, p.project);
    expect(rows.map((r) => r.table)).toEqual(['projects', 'batches', 'videos', 'frames', 'labels', 'annotations']);
    const seqs = rows.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const shape = rows.find((r) => r.table === 'annotations')!;
    expect(shape.row).toMatchObject({ points: [1, 2, 30, 40], type: 'rectangle', updated_by: owner, hidden: false });
    expect(rows[0]!.row).not.toHaveProperty('last_seq');

    const members = await as(owner, (c) => c.query('select user_id, role from public.project_members'));
    expect(members.rows).toEqual([{ user_id: owner, role: 'owner' }]);
    const listed = await as(owner, (c) => c.query('select id, name, role from public.list_my_projects()'));
    expect(listed.rows).toEqual([{ id: p.project, name: 'Site survey', role: 'owner' }]);

    const later = await pull(owner, p.project, seqs[seqs.length - 1]);
    expect(later).toMatchObject({ rows: [], more: false, next: seqs[seqs.length - 1], role: 'owner' });
  });

  it('applies a retried batch once', async () => {
    const owner = await makeUser(`retry-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    const d = p.device;
    const batch = [
      d.change('annotations', 'upsert', p.annotation, { note: 'first' }),
      d.change('annotations', 'upsert', randomUUID(), {
        project_id: p.project,
        frame_id: p.frame,
        type: 'point',
        points: [5, 5],
      }),
    ];
    const first = await d.push(batch);
    const { rows: before } = await admin().query('select last_seq from public.projects where id = $1', [p.project]);
    const again = await d.push(batch);

    expect(first.applied).toEqual([batch[0]!.op_id, batch[1]!.op_id]);
    expect(again.applied).toEqual(first.applied);
    const { rows: after } = await admin().query('select last_seq from public.projects where id = $1', [p.project]);
    expect(after[0].last_seq).toBe(before[0].last_seq);
    const { rows: shapes } = await admin().query('select count(*)::int as n from public.annotations where frame_id = $1', [
      p.frame,
    ]);
    expect(shapes[0].n).toBe(2);
  });

  it('skips the acknowledged part of a half-acknowledged batch and applies the rest', async () => {
    const owner = await makeUser(`half-${randomUUID()}@example.com`);
    const editor = await makeUser(`half-editor-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    await addMember(p.project, editor, 'editor');
    const d = p.device;
    const sent = d.change('annotations', 'upsert', p.annotation, { note: 'from the laptop' });
    await d.push([sent]);
    // Another device edits after it; the laptop never heard its answer and sends that change again with a new one.
    await device(editor).push([device(editor).change('annotations', 'upsert', p.annotation, { note: 'from the desk' })]);
    const next = d.change('annotations', 'upsert', p.annotation, { z_index: 3 });
    const result = await d.push([sent, next]);

    expect(result.applied).toEqual([sent.op_id, next.op_id]);
    expect(await annotation(p.annotation)).toMatchObject({ note: 'from the desk', z_index: 3 });
  });

  it('rejects a refused change alone, and again when the batch is retried', async () => {
    const owner = await makeUser(`reject-${randomUUID()}@example.com`);
    const stranger = await makeUser(`reject-other-${randomUUID()}@example.com`);
    const mine = await makeProject(owner);
    const theirs = await makeProject(stranger);
    await addMember(theirs.project, owner, 'viewer');
    const d = mine.device;
    const batch = [
      d.change('annotations', 'upsert', mine.annotation, { note: 'kept' }),
      d.change('annotations', 'upsert', theirs.annotation, { note: 'not allowed' }),
      d.change('annotations', 'upsert', randomUUID(), {
        project_id: mine.project,
        frame_id: mine.frame,
        type: 'circle',
        points: [1, 1],
      }),
      d.change('labels', 'upsert', randomUUID(), { project_id: mine.project, name: 'crack', color: '#00ff00' }),
      d.change('batches', 'upsert', randomUUID(), { project_id: mine.project, name: 'Later', slug: 'later' }),
    ];
    const result = await d.push(batch);

    expect(result.applied).toEqual([batch[0]!.op_id, batch[4]!.op_id]);
    expect(result.rejected).toEqual([
      { op_id: batch[1]!.op_id, code: 'forbidden', message: 'Viewers cannot change this project' },
      { op_id: batch[2]!.op_id, code: 'invalid', message: expect.stringContaining('This shape is not valid') },
      { op_id: batch[3]!.op_id, code: 'conflict', message: 'Another label in this project already has this name' },
    ]);
    expect(await annotation(mine.annotation)).toMatchObject({ note: 'kept' });
    expect(await annotation(theirs.annotation)).toMatchObject({ note: '' });

    const retried = await d.push(batch);
    expect(retried.applied).toEqual(result.applied);
    expect(retried.rejected).toEqual(result.rejected);
  });

  it('picks the refused changes out of a large batch and applies the rest in order', async () => {
    const owner = await makeUser(`large-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    const d = p.device;
    const shapes = Array.from({ length: 300 }, () => randomUUID());
    const batch = shapes.map((id, i) =>
      d.change('annotations', 'upsert', id, {
        project_id: p.project,
        frame_id: p.frame,
        type: i % 97 === 5 ? 'circle' : 'point',
        points: [i, i],
        z_index: i,
      }),
    );
    // The same shape twice in one batch: the later change is the one that stays.
    batch.push(d.change('annotations', 'upsert', shapes[0]!, { note: 'first' }));
    batch.push(d.change('annotations', 'upsert', shapes[0]!, { note: 'second' }));
    const result = await d.push(batch);

    const refused = batch.filter((_, i) => i < 300 && i % 97 === 5).map((c) => c.op_id);
    expect(result.rejected.map((r) => [r.op_id, r.code])).toEqual(refused.map((op) => [op, 'invalid']));
    expect(result.applied).toEqual(batch.map((c) => c.op_id).filter((op) => !refused.includes(op)));
    const { rows } = await admin().query<{ n: number; seqs_in_order: boolean }>(
      `select count(*)::int as n, bool_and(seq > prev) as seqs_in_order from (
         select seq, lag(seq, 1, 0::bigint) over (order by z_index) as prev from public.annotations
         where frame_id = $1 and type = 'point' and id <> $2) s`,
      [p.frame, shapes[0]],
    );
    expect(rows[0]).toEqual({ n: 300 - refused.length - 1, seqs_in_order: true });
    expect(await annotation(shapes[0]!)).toMatchObject({ note: 'second' });

    // Paged pulls (pages that end mid-table and mid-batch) bring every row once, in seq order.
    const pulled = await pullAll(owner, p.project, 0, 37);
    expect(pulled).toHaveLength(6 + 300 - refused.length);
    expect(new Set(pulled.map((r) => r.id)).size).toBe(pulled.length);
    expect(pulled.map((r) => r.seq)).toEqual(pulled.map((r) => r.seq).sort((a, b) => a - b));
    expect(pulled.find((r) => r.id === shapes[0])?.row).toMatchObject({ note: 'second' });
  });

  it('applies a push cut off mid-transaction once it is retried, never twice', async () => {
    const owner = await makeUser(`cut-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    const d = p.device;
    const shape = randomUUID();
    const batch = [
      d.change('annotations', 'upsert', shape, { project_id: p.project, frame_id: p.frame, type: 'point', points: [9, 9] }),
      d.change('annotations', 'upsert', p.annotation, { z_index: 7 }),
    ];
    // The project's row is held so the push stops inside its transaction; then its connection is killed.
    const holder = await admin().connect();
    const doomed = await admin().connect();
    doomed.on('error', () => {});
    try {
      await holder.query('begin');
      await holder.query('select 1 from public.projects where id = $1 for update', [p.project]);
      await beginAs(doomed, owner);
      const cut = doomed
        .query('select public.push_changes($1, $2)', [d.clientId, JSON.stringify(batch)])
        .then(() => 'finished', () => 'cut off');
      const doomedPid = (doomed as unknown as { processID: number }).processID;
      for (;;) {
        const { rows } = await admin().query('select wait_event_type from pg_stat_activity where pid = $1', [doomedPid]);
        if (rows[0]?.wait_event_type === 'Lock') break;
      }
      await admin().query('select pg_terminate_backend($1)', [doomedPid]);
      expect(await cut).toBe('cut off');
      await holder.query('commit');
    } finally {
      holder.release();
      doomed.release(true);
    }
    expect((await admin().query('select 1 from public.annotations where id = $1', [shape])).rowCount).toBe(0);

    const first = await d.push(batch);
    const retried = await d.push(batch);
    expect(first.applied).toEqual([batch[0]!.op_id, batch[1]!.op_id]);
    expect(retried).toMatchObject({ applied: first.applied, rejected: [] });
    const { rows } = await admin().query('select count(*)::int as n from public.annotations where id = $1', [shape]);
    expect(rows[0].n).toBe(1);
    expect(await annotation(p.annotation)).toMatchObject({ z_index: 7 });
  });

  it('keeps every field each device changed: last writer wins per field, in server order', async () => {
    const owner = await makeUser(`lww-${randomUUID()}@example.com`);
    const editor = await makeUser(`lww-editor-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    await addMember(p.project, editor, 'editor');
    const laptop = p.device;
    const desk = device(editor);

    await laptop.push([laptop.change('annotations', 'upsert', p.annotation, { note: 'crack, 2 cm' })]);
    await desk.push([desk.change('annotations', 'upsert', p.annotation, { points: [0, 0, 10, 10] })]);
    expect(await annotation(p.annotation)).toMatchObject({ note: 'crack, 2 cm', points: [0, 0, 10, 10] });

    await desk.push([desk.change('annotations', 'upsert', p.annotation, { note: 'desk' })]);
    await laptop.push([laptop.change('annotations', 'upsert', p.annotation, { note: 'laptop' })]);
    expect(await annotation(p.annotation)).toMatchObject({ note: 'laptop', updated_by: owner });
  });

  it('lets a delete win over an edit that had not seen it, and pulls the tombstone', async () => {
    const owner = await makeUser(`del-${randomUUID()}@example.com`);
    const editor = await makeUser(`del-editor-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    await addMember(p.project, editor, 'editor');
    const before = await pullAll(editor, p.project);
    const cursor = before.at(-1)!.seq;
    const laptop = p.device;
    const desk = device(editor);

    const removed = await laptop.push([laptop.change('annotations', 'delete', p.annotation)]);
    const edit = desk.change('annotations', 'upsert', p.annotation, { note: 'edited offline' });
    const underDeletedFrame = laptop.change('frames', 'delete', p.frame);
    const late = await desk.push([edit]);
    await laptop.push([underDeletedFrame]);
    const newShape = desk.change('annotations', 'upsert', randomUUID(), {
      project_id: p.project,
      frame_id: p.frame,
      type: 'point',
      points: [2, 2],
    });
    const orphan = await desk.push([newShape]);

    expect(removed.applied).toHaveLength(1);
    expect(late.rejected).toEqual([
      {
        op_id: edit.op_id,
        code: 'deleted',
        message: 'This shape was deleted on another device before this change reached the server',
      },
    ]);
    expect(orphan.rejected).toEqual([
      {
        op_id: newShape.op_id,
        code: 'deleted',
        message: 'What this shape belongs to was deleted on another device before this change reached the server',
      },
    ]);
    expect(await annotation(p.annotation)).toMatchObject({ note: '' });

    const pulled = await pullAll(editor, p.project, cursor);
    expect(pulled.map((r) => [r.table, r.id, r.deleted_at !== null])).toEqual([
      ['annotations', p.annotation, true],
      ['frames', p.frame, true],
    ]);
    const again = await laptop.push([laptop.change('annotations', 'delete', p.annotation)]);
    expect(again.rejected).toEqual([]);
  });

  it('numbers rows in commit order, so a cursor never skips a row committed out of order', async () => {
    const owner = await makeUser(`order-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    const start = (await pullAll(owner, p.project)).at(-1)!.seq;
    const first = await admin().connect();
    const second = await admin().connect();
    try {
      await beginAs(first, owner);
      await first.query('select public.push_changes($1, $2)', [
        randomUUID(),
        JSON.stringify([{ op_id: 1, table: 'annotations', op: 'upsert', id: p.annotation, row: { note: 'first' } }]),
      ]);
      await beginAs(second, owner);
      const secondId = randomUUID();
      const secondPush = second.query('select public.push_changes($1, $2)', [
        randomUUID(),
        JSON.stringify([
          {
            op_id: 1,
            table: 'annotations',
            op: 'upsert',
            id: secondId,
            row: { project_id: p.project, frame_id: p.frame, type: 'point', points: [3, 3] },
          },
        ]),
      ]);
      // The second writer waits for the project's row lock the first one holds.
      const secondPid = (second as unknown as { processID: number }).processID;
      for (;;) {
        const { rows } = await admin().query('select wait_event_type from pg_stat_activity where pid = $1', [secondPid]);
        if (rows[0]?.wait_event_type === 'Lock') break;
      }
      expect((await pull(owner, p.project, start)).rows).toEqual([]);

      await first.query('commit');
      const afterFirst = await pull(owner, p.project, start);
      expect(afterFirst.rows.map((r) => r.id)).toEqual([p.annotation]);

      await secondPush;
      await second.query('commit');
      const afterSecond = await pull(owner, p.project, afterFirst.next);
      expect(afterSecond.rows.map((r) => r.id)).toEqual([secondId]);
      expect(afterSecond.rows[0]!.seq).toBeGreaterThan(afterFirst.next);
    } finally {
      first.release();
      second.release();
    }
  });

  it('gives every row of concurrent pushes its own number, and a cursor catches them all', async () => {
    const owner = await makeUser(`busy-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    const devices = Array.from({ length: 4 }, () => device(owner));
    const results = await Promise.all(
      devices.map((d, n) =>
        d.push(
          Array.from({ length: 150 }, (_, i) =>
            d.change('annotations', 'upsert', randomUUID(), {
              project_id: p.project,
              frame_id: p.frame,
              type: 'point',
              points: [n, i],
            }),
          ),
        ),
      ),
    );
    expect(results.flatMap((r) => r.rejected)).toEqual([]);
    const pulled = await pullAll(owner, p.project, 0, 101);
    const shapes = pulled.filter((r) => r.table === 'annotations');
    expect(shapes).toHaveLength(1 + 4 * 150);
    expect(new Set(pulled.map((r) => r.seq)).size).toBe(pulled.length);
  });

  it('refuses a device id that another account already uses', async () => {
    const owner = await makeUser(`device-${randomUUID()}@example.com`);
    const other = await makeUser(`device-other-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    await expect(push(other, p.device.clientId, [])).rejects.toThrow(/belongs to another account/);
  });
});

describe('who may read and write', () => {
  it('shows a non-member nothing and lets them write nothing', async () => {
    const owner = await makeUser(`nm-owner-${randomUUID()}@example.com`);
    const stranger = await makeUser(`nm-${randomUUID()}@example.com`);
    const p = await makeProject(owner);

    const pulled = await pull(stranger, p.project);
    expect(pulled).toMatchObject({ rows: [], more: false, role: null });
    for (const table of ['projects', 'project_members', 'batches', 'videos', 'frames', 'labels', 'annotations']) {
      const { rows } = await as(stranger, (c) => c.query(`select * from public.${table}`));
      expect(rows, table).toEqual([]);
    }
    const s = device(stranger);
    const result = await s.push([
      s.change('annotations', 'upsert', p.annotation, { note: 'vandal' }),
      s.change('annotations', 'upsert', randomUUID(), {
        project_id: p.project,
        frame_id: p.frame,
        type: 'point',
        points: [1, 1],
      }),
      s.change('projects', 'delete', p.project),
    ]);
    expect(result.applied).toEqual([3]);
    expect(result.rejected.map((r) => [r.code, r.message])).toEqual([
      ['forbidden', 'You are not a member of this project'],
      ['forbidden', 'You are not a member of this project'],
    ]);
    const updated = await as(stranger, (c) => c.query("update public.annotations set note = 'x' where id = $1", [p.annotation]));
    expect(updated.rowCount).toBe(0);
    await expect(
      as(stranger, (c) =>
        c.query('insert into public.project_members (project_id, user_id, role) values ($1, $2, $3)', [
          p.project,
          stranger,
          'owner',
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    const { rows } = await admin().query('select note, deleted_at from public.annotations where project_id = $1', [
      p.project,
    ]);
    expect(rows).toEqual([{ note: '', deleted_at: null }]);
    const { rows: project } = await admin().query('select deleted_at from public.projects where id = $1', [p.project]);
    expect(project[0].deleted_at).toBeNull();
  });

  it('lets a viewer read but not edit', async () => {
    const owner = await makeUser(`v-owner-${randomUUID()}@example.com`);
    const viewer = await makeUser(`viewer-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    await addMember(p.project, viewer, 'viewer');

    expect((await pullAll(viewer, p.project)).map((r) => r.id)).toContain(p.annotation);
    expect((await pull(viewer, p.project)).role).toBe('viewer');
    const v = device(viewer);
    const result = await v.push([
      v.change('annotations', 'upsert', p.annotation, { note: 'viewer was here' }),
      v.change('annotations', 'delete', p.annotation),
      v.change('batches', 'upsert', randomUUID(), { project_id: p.project, name: 'Mine', slug: 'mine' }),
    ]);
    expect(result.applied).toEqual([]);
    expect(result.rejected.map((r) => r.code)).toEqual(['forbidden', 'forbidden', 'forbidden']);
    expect(await annotation(p.annotation)).toMatchObject({ note: '', deleted_at: null });
  });

  it('shows anon nothing and refuses its pushes', async () => {
    const owner = await makeUser(`anon-owner-${randomUUID()}@example.com`);
    await makeProject(owner);
    for (const table of ['projects', 'project_members', 'batches', 'videos', 'frames', 'labels', 'annotations']) {
      const { rows } = await as(null, (c) => c.query(`select * from public.${table}`));
      expect(rows, table).toEqual([]);
    }
    await expect(as(null, (c) => c.query("select public.push_changes($1, '[]')", [randomUUID()]))).rejects.toThrow(
      /permission denied/,
    );
    const version = await as(null, (c) => c.query('select public.stillframe_schema_version() as v'));
    expect(version.rows[0].v).toBeGreaterThanOrEqual(1);
  });

  it('lets only owners delete a project or change its members', async () => {
    const owner = await makeUser(`o-${randomUUID()}@example.com`);
    const editor = await makeUser(`o-editor-${randomUUID()}@example.com`);
    const newcomer = await makeUser(`o-new-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    await addMember(p.project, editor, 'editor');

    const e = device(editor);
    const byEditor = await e.push([
      e.change('projects', 'upsert', p.project, { name: 'Renamed by the editor' }),
      e.change('projects', 'delete', p.project),
    ]);
    expect(byEditor.applied).toEqual([1]);
    expect(byEditor.rejected).toEqual([{ op_id: 2, code: 'forbidden', message: 'Only an owner of this project can do this' }]);
    await expect(
      as(editor, (c) =>
        c.query('insert into public.project_members (project_id, user_id, role) values ($1, $2, $3)', [
          p.project,
          newcomer,
          'editor',
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    const promoted = await as(editor, (c) =>
      c.query("update public.project_members set role = 'owner' where project_id = $1 and user_id = $2", [
        p.project,
        editor,
      ]),
    );
    expect(promoted.rowCount).toBe(0);
    const hardDelete = await as(editor, (c) => c.query('delete from public.projects where id = $1', [p.project]));
    expect(hardDelete.rowCount).toBe(0);
    await expect(
      as(editor, (c) => c.query('update public.projects set last_seq = 0 where id = $1', [p.project])),
    ).rejects.toThrow(/permission denied/);

    await as(owner, (c) =>
      c.query('insert into public.project_members (project_id, user_id, role) values ($1, $2, $3)', [
        p.project,
        newcomer,
        'viewer',
      ]),
    );
    const d = p.device;
    const byOwner = await d.push([d.change('projects', 'delete', p.project)]);
    expect(byOwner.rejected).toEqual([]);
    const { rows } = await admin().query('select name, deleted_at from public.projects where id = $1', [p.project]);
    expect(rows[0].name).toBe('Renamed by the editor');
    expect(rows[0].deleted_at).not.toBeNull();
    const listed = await as(owner, (c) => c.query('select id from public.list_my_projects()'));
    expect(listed.rows).toEqual([]);
    const late = await e.push([e.change('annotations', 'upsert', p.annotation, { note: 'too late' })]);
    expect(late.rejected).toEqual([
      {
        op_id: 3,
        code: 'deleted',
        message: 'Its project was deleted on another device before this change reached the server',
      },
    ]);
  });

  it('guards the frames bucket by project membership', async () => {
    const owner = await makeUser(`s-owner-${randomUUID()}@example.com`);
    const viewer = await makeUser(`s-viewer-${randomUUID()}@example.com`);
    const worker = await makeUser(`s-worker-${randomUUID()}@example.com`);
    const stranger = await makeUser(`s-stranger-${randomUUID()}@example.com`);
    const p = await makeProject(owner);
    await addMember(p.project, viewer, 'viewer');
    await addMember(p.project, worker, 'worker');
    const upload = (user: string, name: string) =>
      as(user, (c) =>
        c.query("insert into storage.objects (bucket_id, name, owner, owner_id) values ('frames', $1, $2::uuid, $2::text)", [
          name,
          user,
        ]),
      );
    const listing = (user: string | null) =>
      as(user, async (c) => (await c.query("select name from storage.objects where bucket_id = 'frames'")).rows);

    await upload(owner, p.framePath);
    await upload(worker, `${p.project}/thumbs/batch-1/${p.video}/frame_000002.jpg`);
    await expect(upload(viewer, `${p.project}/batch-1/${p.video}/frame_000003.jpg`)).rejects.toThrow(/row-level security/);
    await expect(upload(stranger, `${p.project}/batch-1/${p.video}/frame_000004.jpg`)).rejects.toThrow(
      /row-level security/,
    );
    await expect(upload(owner, `not-a-project/${p.video}/frame_000005.jpg`)).rejects.toThrow(/row-level security/);
    await expect(upload(owner, p.project)).rejects.toThrow(/row-level security/);

    expect(await listing(viewer)).toHaveLength(2);
    expect(await listing(stranger)).toEqual([]);
    expect(await listing(null)).toEqual([]);
    const removed = await as(viewer, (c) => c.query("delete from storage.objects where bucket_id = 'frames'"));
    expect(removed.rowCount).toBe(0);
    expect(await listing(owner)).toHaveLength(2);
  });
});
