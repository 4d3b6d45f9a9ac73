import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { libraryPaths } from '../library/paths';
import { tempLibraryDir } from '../test-support/temp-library';
import { hostTokenFileName, libraryHostToken } from './host-token';

const cli = path.resolve(import.meta.dirname, '../../out/main/cli.js');

/** Starts `stillframe serve` and kills it (SIGKILL) after `afterMs`, or once it prints its address. */
function serveAndKill(libraryDir: string, afterMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'serve', '--library', libraryDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let printed: string | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.stdout.on('data', (chunk: Buffer) => {
      printed = /#token=([0-9a-f]+)/.exec(chunk.toString())?.[1] ?? printed;
      if (printed) child.kill('SIGKILL');
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(printed);
    });
  });
}

describe('the browser host token kept in the library', () => {
  it('is whole and the same at every start, whenever `stillframe serve` is killed', async () => {
    expect(existsSync(cli), 'run `npm run build` before the tests').toBe(true);
    const libraryDir = tempLibraryDir();
    const file = path.join(libraryDir, hostTokenFileName);
    let token: string | null = null;
    for (let round = 0; round < 12; round++) {
      // The last round waits for the address, so the token is surely made once.
      const printed = await serveAndKill(libraryDir, round === 11 ? 60_000 : Math.floor(Math.random() * 400));
      if (!existsSync(file)) continue;
      const kept = readFileSync(file, 'utf8');
      expect(kept).toMatch(/^[0-9a-f]{48}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      token ??= kept;
      expect(kept).toBe(token);
      if (printed) expect(printed).toBe(token);
    }
    expect(token).not.toBeNull();
    expect(libraryHostToken(libraryPaths(libraryDir))).toBe(token);
  });
});
