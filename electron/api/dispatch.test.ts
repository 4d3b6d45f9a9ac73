import { describe, expect, it } from 'vitest';
import { schemaVersion } from '../library/database';
import { migrations } from '../library/migrations';
import { openServices } from '../services';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { dispatch } from './dispatch';
import { createHandlers } from './handlers';

describe('the API contract', () => {
  it('answers an unknown call or malformed input with a typed error instead of throwing', async () => {
    const handlers = createHandlers(openTestServices());
    expect(await dispatch(handlers, 'projects.drop', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch(handlers, { toString: () => 'x' }, {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch(handlers, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    const bad = await dispatch(handlers, 'projects.create', { name: 42 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(bad.ok ? '' : bad.error.detail).toContain('name');
    expect(await dispatch(handlers, 'projects.create', { name: 'ok', extra: true })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await dispatch(handlers, 'projects.create', null)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('creates, renames and deletes projects with clear messages for bad names', async () => {
    const handlers = createHandlers(openTestServices());
    const created = await dispatch(handlers, 'projects.create', { name: '  Shelves ' });
    expect(created).toMatchObject({ ok: true, value: { name: 'Shelves', batchCount: 0 } });
    const id = created.ok ? (created.value as { id: string }).id : '';
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    expect(await dispatch(handlers, 'projects.create', { name: 'shelves' })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: 'A project named “shelves” already exists. Choose another name.' },
    });
    expect(await dispatch(handlers, 'projects.create', { name: ' ' })).toMatchObject({ ok: false, error: { message: 'Project name is required.' } });
    expect(await dispatch(handlers, 'projects.rename', { id, name: 'Shelves, aisle 4' })).toMatchObject({ ok: true, value: { name: 'Shelves, aisle 4' } });
    expect(await dispatch(handlers, 'projects.rename', { id: 'nope', name: 'x' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch(handlers, 'projects.delete', { id })).toMatchObject({ ok: true });
    expect(await dispatch(handlers, 'projects.list', {})).toEqual({ ok: true, value: [] });
  });

  it('keeps projects across a restart, in a WAL database at the latest schema', async () => {
    const libraryDir = tempLibraryDir();
    const first = openServices({ libraryDir });
    await dispatch(createHandlers(first), 'projects.create', { name: 'Kept' });
    await first.close();

    const second = openTestServices({ libraryDir });
    expect(await dispatch(createHandlers(second), 'projects.list', {})).toMatchObject({ ok: true, value: [{ name: 'Kept' }] });
    expect(schemaVersion(second.db)).toBe(migrations.length);
    expect(second.db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(second.db.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
    expect(second.db.prepare(`SELECT op FROM outbox WHERE entity = 'project'`).all()).toEqual([{ op: 'upsert' }]);
  });
});
