import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../../shared/contract';
import { createProject } from '../library/projects';
import { apiClient } from '../test-support/api-client';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { seedProject } from './test-fixture';

const datasetWorker = path.resolve(import.meta.dirname, '../../out/main/dataset-worker.js');

/** Every host runs imports and exports on the built dataset thread; these run the same calls there and inline. */
describe('imports and exports on the dataset thread', () => {
  it('give the same results, progress, cancellation and messages as on the host’s own thread', async () => {
    expect(existsSync(datasetWorker), 'build first: electron-vite build').toBe(true);
    const inline = openTestServices();
    const threaded = openTestServices({ libraryDir: inline.paths.root, datasetWorker });
    const { project } = await seedProject(inline);
    const results = [];
    for (const services of [inline, threaded]) {
      const { invoke, attempt } = apiClient(services);
      const progress: EventPayload<'export.progress'>[] = [];
      services.events.on('export.progress', (event) => progress.push(event));
      const out = path.join(tempLibraryDir(), 'out');
      const exported = await invoke('datasets.export', { projectId: project.id, format: 'stillframe', outDir: out, exportId: 'first' });

      services.events.on('export.progress', (event) => {
        if (event.exportId === 'second') void invoke('datasets.cancelExport', { exportId: 'second' });
      });
      const cancelledOut = path.join(tempLibraryDir(), 'cancelled');
      const cancelled = await attempt('datasets.export', { projectId: project.id, format: 'coco', outDir: cancelledOut, exportId: 'second' });
      const notEmpty = await attempt('datasets.export', { projectId: project.id, format: 'coco', outDir: out });

      const target = createProject(services.db, `Copy ${results.length}`);
      const changes: EventPayload<'library.changed'>[] = [];
      services.events.on('library.changed', (event) => changes.push(event));
      const dry = await invoke('datasets.import', { projectId: target.id, format: 'stillframe', from: out, dryRun: true });
      const imported = await invoke('datasets.import', { projectId: target.id, format: 'stillframe', from: out });
      // Written by the thread's own connection, read by the host's.
      const rows = services.db.prepare('SELECT COUNT(*) AS n FROM shapes JOIN frames ON frames.id = shapes.frame_id JOIN batches ON batches.id = frames.batch_id WHERE batches.project_id = ?').get(target.id);
      const broken = path.join(tempLibraryDir(), 'broken');
      mkdirSync(broken);
      writeFileSync(path.join(broken, 'stillframe.json'), '{"format": "stillframe", "frames": [');
      const unreadable = await attempt('datasets.import', { projectId: target.id, format: 'stillframe', from: broken });
      const missing = await attempt('datasets.import', { projectId: target.id, format: 'coco', from: path.join(broken, 'nowhere') });

      results.push({
        exported: { ...exported, outPath: path.basename(exported.outPath), durationMs: 0 },
        lastProgress: { ...progress.filter((event) => event.exportId === 'first').at(-1), projectId: null },
        cancelled,
        cancelledLeftNothing: !existsSync(cancelledOut),
        notEmpty: notEmpty.ok ? notEmpty : { ok: false, code: notEmpty.error.code },
        dry: { ...dry, durationMs: 0 },
        imported: { ...imported, durationMs: 0 },
        rows,
        changes: changes.map((change) => ({ ...change, projectId: change.projectId === target.id })),
        unreadable,
        missing: missing.ok ? missing : { ok: false, code: missing.error.code, message: missing.error.message.replace(broken, 'BROKEN') },
      });
    }
    const [onHost, onThread] = results;
    expect(onHost).toMatchObject({
      exported: { images: 6, shapes: 12 },
      cancelled: { ok: false, error: { code: 'cancelled', message: 'The export was cancelled. Nothing was written.' } },
      cancelledLeftNothing: true,
      notEmpty: { ok: false, code: 'conflict' },
      imported: { images: { added: 6 }, shapes: { added: 12 } },
      rows: { n: 12 },
      unreadable: { ok: false, error: { code: 'invalid-input' } },
    });
    expect(onThread).toEqual(onHost);
  });

  it('leave out a file that is not an image on the thread as on the host’s own, and import the rest', async () => {
    expect(existsSync(datasetWorker), 'build first: electron-vite build').toBe(true);
    const inline = openTestServices();
    const threaded = openTestServices({ libraryDir: inline.paths.root, datasetWorker });
    const { project } = await seedProject(inline);
    const out = path.join(tempLibraryDir(), 'out');
    await apiClient(inline).invoke('datasets.export', { projectId: project.id, format: 'stillframe', outDir: out });
    // The export gives every image's size, so the import finds this one out only when it copies the file.
    const broken = readdirSync(path.join(out, 'images'), { recursive: true, withFileTypes: true }).find((entry) => entry.isFile());
    if (!broken) throw new Error('the export has no images');
    writeFileSync(path.join(broken.parentPath, broken.name), 'not a picture');
    const results = [];
    for (const services of [inline, threaded]) {
      const target = createProject(services.db, `Copy ${results.length}`);
      const imported = await apiClient(services).invoke('datasets.import', { projectId: target.id, format: 'stillframe', from: out });
      const frames = services.db
        .prepare('SELECT frames.path, frames.annotated, (SELECT COUNT(*) FROM shapes WHERE frame_id = frames.id) AS shapes FROM frames JOIN batches ON batches.id = frames.batch_id WHERE batches.project_id = ? ORDER BY frames.path')
        .all(target.id);
      results.push({
        images: imported.images,
        shapes: imported.shapes.added,
        problems: imported.problems,
        frames: frames.map((frame) => ({ shapes: frame.shapes, annotated: frame.annotated, placed: existsSync(path.join(services.paths.root, String(frame.path))) })),
        staged: readdirSync(path.join(services.paths.frames, target.id)).filter((name) => name.startsWith('.import-')),
      });
    }
    const [onHost, onThread] = results;
    expect(onHost).toMatchObject({ images: { added: 5, skipped: 1 }, problems: [{ item: `images/${broken.name}` }], staged: [] });
    expect(onHost?.frames).toHaveLength(5);
    expect(onHost?.frames.every((frame) => frame.placed && frame.annotated === Number(Number(frame.shapes) > 0))).toBe(true);
    expect(onThread).toEqual(onHost);
  });
});
