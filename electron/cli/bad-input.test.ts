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

  it('says which flag broke which limit in plain words, once per flag', async () => {
    const library = tempLibraryDir();
    const tooMany = await cli(['ingest', 'clip.mp4', '--project', 'P', '--batch', 'B', '--max-frames', '1e99', '--library', library]);
    expect(tooMany).toMatchObject({ code: 2, err: '--max-frames must be at most 1000000.' });
    expect((await cli(['projects', 'create', 'P', '--library', library])).code).toBe(0);
    const exportWith = (...flags: string[]) => cli(['export', '--project', 'P', '--format', 'coco', '--out', `${library}-out`, '--library', library, ...flags]);
    expect(await exportWith('--seed', 'abc')).toMatchObject({ code: 2, err: '--seed needs a number.' });
    expect(await exportWith('--val-ratio', '0.6', '--test-ratio', '0.6')).toMatchObject({
      code: 2,
      err: 'The validation and test shares must leave some images for training.',
    });
  });
});
