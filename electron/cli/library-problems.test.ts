import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { explainFailure } from '../library/disk-space';
import { openServices } from '../services';
import { builtCli } from '../test-support/built-cli';
import { cli } from '../test-support/run-cli';
import { mediaDir, tempLibraryDir } from '../test-support/temp-library';

const mounts: string[] = [];
afterAll(() => {
  // Lazily: an export that failed on the full disk may still hold files open there, which keeps it busy.
  for (const dir of mounts) spawnSync('umount', ['-l', dir]);
});

/** A small disk of its own (tmpfs, so as root only), or null where mounting is refused. */
function smallDisk(options: string): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-disk-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status !== 0) return null;
  mounts.push(dir);
  return dir;
}

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

  it('says so when the app opens it, not only the CLI: the start-up dialog shows this message', () => {
    const file = path.join(tempLibraryDir(), 'notes.txt');
    writeFileSync(file, 'not a library');
    expect(() => openServices({ libraryDir: file })).toThrow(expect.objectContaining({ code: 'invalid-input', message: expect.stringContaining('The library must be a folder') }));
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

describe('a place outside the library that Stillframe cannot write to is named', () => {
  it('refuses an empty --library instead of making a library in the current folder', () => {
    expect(existsSync(builtCli), 'run `npm run build` before the tests').toBe(true);
    const here = tempLibraryDir();
    const run = spawnSync(process.execPath, [builtCli, 'projects', 'create', 'P', '--library', ''], { cwd: here, encoding: 'utf8', env: { ...process.env, STILLFRAME_LIBRARY: '' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--library needs a folder');
    expect(readdirSync(here)).toEqual([]);
  });

  it('says an export folder on a read-only disk cannot be made, and a full export disk is full, not the library', async (context) => {
    const readOnly = smallDisk('ro,size=1m');
    const full = smallDisk('size=1m');
    if (readOnly === null || full === null) return context.skip('mounting a small tmpfs was refused here');
    const library = tempLibraryDir();
    const ingest = await cli(['ingest', path.join(mediaDir, 'milk.mkv'), '--project', 'P', '--batch', 'B', '--library', library]);
    expect(ingest.code, ingest.err).toBe(0);
    const exportTo = (out: string) => cli(['export', '--project', 'P', '--format', 'coco', '--images', 'copy', '--out', out, '--library', library]);

    const refused = await exportTo(path.join(readOnly, 'dataset'));
    expect(refused.code).toBe(1);
    expectPlainMessage(refused.err);
    expect(refused.err).toContain(`The folder “${path.join(readOnly, 'dataset')}” could not be created: that disk is read-only.`);

    const free = Number(execFileSync('df', ['-B1', '--output=avail', full], { encoding: 'utf8' }).split('\n')[1]);
    writeFileSync(path.join(full, 'filler'), Buffer.alloc(free));
    const noRoom = await exportTo(path.join(full, 'dataset'));
    expect(noRoom.code).toBe(1);
    expectPlainMessage(noRoom.err);
    expect(noRoom.err).toMatch(/(^|\n)The disk Stillframe was writing to \(.+\) is full\. Free some space there/);
    expect(noRoom.err).not.toContain('holding the library');
  });
});
