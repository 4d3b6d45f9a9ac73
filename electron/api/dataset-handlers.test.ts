import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../../shared/contract';
import { seedProject } from '../datasets/test-fixture';
import { createProject } from '../library/projects';
import { apiClient } from '../test-support/api-client';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';

describe('the dataset calls', () => {
  it('refuse an export folder inside the library (tmp/ is emptied at start, frames/ belongs to videos) and a relative one', async () => {
    const services = openTestServices();
    const { project } = await seedProject(services);
    const { attempt } = apiClient(services);
    for (const outDir of [services.paths.tmp, path.join(services.paths.frames, 'export'), services.paths.root, path.join(services.paths.root, 'new', 'deeper')]) {
      const result = await attempt('datasets.export', { projectId: project.id, format: 'coco', outDir });
      expect(result, outDir).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('outside the Stillframe library') } });
    }
    expect(existsSync(path.join(services.paths.root, 'new'))).toBe(false);
    const linked = path.join(tempLibraryDir(), 'link-to-library');
    symlinkSync(services.paths.root, linked);
    expect(await attempt('datasets.export', { projectId: project.id, format: 'coco', outDir: path.join(linked, 'tmp') })).toMatchObject({ ok: false });
    const relative = await attempt('datasets.export', { projectId: project.id, format: 'coco', outDir: 'datasets/run-1' });
    expect(relative).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('must be a full path') } });
    expect(await attempt('datasets.import', { projectId: project.id, format: 'coco', from: 'datasets/run-1' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('export with progress events named by the caller, can be cancelled by that name, and import announces the change', async () => {
    const services = openTestServices();
    const { project } = await seedProject(services);
    const { invoke, attempt } = apiClient(services);
    const progress: EventPayload<'export.progress'>[] = [];
    services.events.on('export.progress', (event) => progress.push(event));

    const out = path.join(tempLibraryDir(), 'out');
    const summary = await invoke('datasets.export', { projectId: project.id, format: 'stillframe', outDir: out, exportId: 'first' });
    expect(summary).toMatchObject({ images: 6, shapes: 12 });
    expect(progress.at(-1)).toEqual({ exportId: 'first', projectId: project.id, phase: 'finishing', done: 6, total: 6 });

    const cancelled = path.join(tempLibraryDir(), 'cancelled');
    services.events.on('export.progress', (event) => {
      if (event.exportId === 'second') void invoke('datasets.cancelExport', { exportId: 'second' });
    });
    const result = await attempt('datasets.export', { projectId: project.id, format: 'coco', outDir: cancelled, exportId: 'second' });
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled', message: 'The export was cancelled. Nothing was written.' } });
    expect(existsSync(cancelled)).toBe(false);
    expect(await invoke('datasets.cancelExport', { exportId: 'second' })).toEqual({ cancelled: false });

    const bad = await attempt('datasets.export', { projectId: project.id, format: 'pdf', outDir: out });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });

    const target = createProject(services.db, 'Copy');
    const changes: EventPayload<'library.changed'>[] = [];
    services.events.on('library.changed', (event) => changes.push(event));
    const dry = await invoke('datasets.import', { projectId: target.id, format: 'stillframe', from: out, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, images: { added: 6 } });
    expect(changes).toEqual([]);
    await invoke('datasets.import', { projectId: target.id, format: 'stillframe', from: out });
    expect(changes).toEqual([{ entity: 'batch', projectId: target.id, batchId: null }]);
  });
});
