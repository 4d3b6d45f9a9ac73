import { describe, expect, it } from 'vitest';
import { notALoomLinkMessage } from '../../shared/loom-links';
import { cli } from '../test-support/run-cli';
import { tempLibraryDir } from '../test-support/temp-library';

describe('the CLI given input it cannot use', () => {
  it('refuses a web address that is not a Loom link as such, rather than as a missing file', async () => {
    const library = tempLibraryDir();
    for (const address of ['https://example.com/video.mp4', 'HTTP://evil.example/share/43d05f362f734614a2e81b4694a3a523']) {
      const run = await cli(['ingest', address, '--library', library, '--project', 'P', '--batch', 'B']);
      expect(run.code, run.err).not.toBe(0);
      expect(run.err).toContain(notALoomLinkMessage);
      expect(run.err).not.toContain('could not be found');
    }
    expect(JSON.parse((await cli(['projects', '--library', library, '--json'])).out)).toEqual({ projects: [] });
  });
});
