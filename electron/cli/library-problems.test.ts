import { openSync, readFileSync, rmSync, statSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { explainFailure } from '../library/disk-space';
import { cli } from '../test-support/run-cli';
import { tempLibraryDir } from '../test-support/temp-library';

function expectPlainMessage(text: string) {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain('Something went wrong inside Stillframe');
}

describe('a library Stillframe cannot use says why, in words, and is left as it was', () => {
  it('refuses a file given as the library folder, and a path inside a file', async () => {
    const file = path.join(tempLibraryDir(), 'notes.txt');
    writeFileSync(file, 'not a library');
    for (const library of [file, path.join(file, 'inside')]) {
      const run = await cli(['projects', '--library', library]);
      expect(run.code).toBe(2);
      expectPlainMessage(run.err);
      expect(run.err).toContain(`The library must be a folder, and “${library}” is a file`);
    }
    expect(readFileSync(file, 'utf8')).toBe('not a library');
  });

  it('names a database that is not SQLite at all, without touching it', async () => {
    const library = tempLibraryDir();
    const database = path.join(library, 'stillframe.db');
    const junk = Buffer.alloc(8192, 7);
    writeFileSync(database, junk);
    const run = await cli(['projects', '--library', library]);
    expect(run.code).toBe(1);
    expectPlainMessage(run.err);
    expect(run.err).toContain(`The library's database (${database}) is damaged`);
    expect(readFileSync(database).equals(junk)).toBe(true);
  });

  it('names a database whose pages were overwritten once a command reads them', async () => {
    const library = tempLibraryDir();
    expect((await cli(['projects', 'create', 'Kept', '--library', library])).code).toBe(0);
    const database = path.join(library, 'stillframe.db');
    for (const suffix of ['-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
    // Past the header and the schema: the database opens, and the first read of the projects' pages fails.
    const pageSize = 4096;
    const fd = openSync(database, 'r+');
    for (let page = 2; page * pageSize < statSync(database).size; page += 1) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize);
    closeSync(fd);
    const run = await cli(['projects', '--library', library]);
    expect(run.code).toBe(1);
    expectPlainMessage(run.err);
    expect(run.err).toContain(`The library's database (${database}) is damaged`);
  });

  it('says the library folder cannot be written to when SQLite refuses a write', () => {
    const library = tempLibraryDir();
    const file = path.join(library, 'stillframe.db');
    new DatabaseSync(file).close();
    // Opened read-only, as a folder without write permission leaves it (root would ignore a chmod here).
    const db = new DatabaseSync(file, { readOnly: true });
    let refused: unknown;
    try {
      db.exec('CREATE TABLE t (x)');
    } catch (error) {
      refused = error;
    } finally {
      db.close();
    }
    expect(explainFailure(refused, library)).toMatchObject({
      code: 'access-denied',
      message: `Stillframe is not allowed to write to the library folder (${library}). Check its permissions, or choose another library folder.`,
    });
  });
});
