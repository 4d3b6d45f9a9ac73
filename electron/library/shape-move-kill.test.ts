import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { seedFrames } from '../test-support/seed-frames';
import { openServices } from '../services';
import { tempLibraryDir } from '../test-support/temp-library';
import { addImportedShapes, listShapes } from './annotations';
import { openDatabase, transaction } from './database';

const shapeCount = 3000;

describe('moving shapes under SIGKILL at random points', () => {
  it('moves all of a frame’s shapes or none of them, and queues every moved one for sync', async () => {
    const services = openServices({ libraryDir: tempLibraryDir() });
    const frameId = seedFrames(services.db, [{ width: 3840, height: 2160 }]).frames[0]?.id ?? '';
    const placed = Array.from({ length: shapeCount }, (_, i) => {
      const x = (i % 60) * 1.5;
      const y = Math.floor(i / 60) * 40;
      return { id: uuidv7(), frameId, type: 'polygon' as const, points: [x, y, x + 1, y, x + 1, y + 30], labelId: null, note: '', attributes: {}, hidden: false, locked: false };
    });
    transaction(services.db, () => addImportedShapes(services.db, [{ frameId, shapes: placed }]));
    const file = path.join(services.paths.root, 'stillframe.db');
    await services.close();

    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [path.resolve('electron/test-support/shape-move-child.mjs'), file, frameId], { stdio: ['ignore', 'pipe', 'inherit'] });
      let moves = 0;
      // A different point each time, some moves in: most of a move's time is inside its transaction.
      const killAfter = 1 + Math.floor(Math.random() * 6);
      const killed = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          moves += chunk.toString().split('\n').filter((line) => line === 'moved').length;
          if (moves === killAfter) setTimeout(() => child.kill('SIGKILL'), Math.random() * 40);
        });
        child.once('exit', () => resolve());
      });
      await killed;
      expect(moves, `round ${round + 1}`).toBeGreaterThanOrEqual(killAfter);

      const db = openDatabase(file);
      expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
      const applied = Number((db.prepare('SELECT COUNT(*) AS n FROM shape_moves').get() as { n: number }).n);
      const start = new Map(placed.map((shape) => [shape.id, shape.points[0] ?? 0]));
      const shifts = new Set(listShapes(db, frameId).map((shape) => (shape.points[0] ?? 0) - (start.get(shape.id) ?? 0)));
      expect([...shifts], `round ${round + 1}: every shape moved by each move that committed`).toEqual([applied]);
      const queued = Number((db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE entity = 'shape' AND op = 'upsert'").get() as { n: number }).n);
      expect(queued).toBe(shapeCount);
      db.close();
    }
  }, 120_000);
});
