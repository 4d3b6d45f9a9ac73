import { describe, expect, it } from 'vitest';
import { createProject, listProjects } from './projects';
import { transaction } from './database';
import { openTestServices } from '../test-support/temp-library';

describe('a transaction that waits on work outside the library', () => {
  it('commits once the wait is over, and takes everything back when the work fails after it', async () => {
    const { db } = openTestServices();
    const names = () => listProjects(db).map((project) => project.name);
    const waited = transaction(db, async () => {
      createProject(db, 'Kept');
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Still open while the work waits: nothing is committed before it is done.
      expect(db.isTransaction).toBe(true);
      createProject(db, 'Kept too');
    });
    await waited;
    expect(db.isTransaction).toBe(false);
    expect(names().sort()).toEqual(['Kept', 'Kept too']);

    const failing = transaction(db, async () => {
      createProject(db, 'Undone');
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('the files could not be copied');
    });
    await expect(failing).rejects.toThrow('the files could not be copied');
    expect(db.isTransaction).toBe(false);
    expect(names().sort()).toEqual(['Kept', 'Kept too']);
  });
});
