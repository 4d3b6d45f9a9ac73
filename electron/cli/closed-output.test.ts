import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createProject } from '../library/projects';
import { openServices } from '../services';
import { builtCli } from '../test-support/built-cli';
import { tempLibraryDir } from '../test-support/temp-library';

describe('output read only in part', () => {
  it('ends quietly when what reads it stops early, as `stillframe projects | head -1` does', async () => {
    const library = tempLibraryDir();
    const services = openServices({ libraryDir: library });
    // Far more than a pipe holds, so the CLI is still writing when the reader goes away.
    for (let i = 0; i < 2000; i += 1) createProject(services.db, `Shelf photographs, aisle ${i} ${'·'.repeat(40)}`);
    services.close();
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [builtCli, 'projects', '--library', library]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      child.once('close', (code) => resolve({ code, stderr }));
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
