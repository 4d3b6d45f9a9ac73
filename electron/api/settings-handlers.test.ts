import { afterEach, describe, expect, it } from 'vitest';
import { startLoomStandIn, type LoomStandIn } from '../loom/loom-stand-in';
import { openServices } from '../services';
import { secretMessages } from '../settings/secret-store';
import { apiClient } from '../test-support/api-client';
import { safeStorageStandIn } from '../test-support/safe-storage-stand-in';
import { mediaDir, openTestServices, tempLibraryDir } from '../test-support/temp-library';

const key = 'lk_live_3f9a8c7e1d2b4a6f';
const options = { sampling: { mode: 'every' as const, seconds: 5 }, jpegQuality: 3 };

let standIn: LoomStandIn | null = null;
afterEach(async () => {
  await standIn?.close();
  standIn = null;
});

describe('the settings calls', () => {
  it('say which FFmpeg and ffprobe are in use, where they came from and their versions', async () => {
    const { invoke } = apiClient(openTestServices());
    const saved = { ffmpeg: process.env.FFMPEG_PATH, ffprobe: process.env.FFPROBE_PATH };
    try {
      process.env.FFMPEG_PATH = '/usr/bin/ffmpeg';
      process.env.FFPROBE_PATH = '/nowhere/ffprobe';
      const [ffmpeg, ffprobe] = await invoke('settings.mediaTools', {});
      expect(ffmpeg).toMatchObject({ name: 'ffmpeg', path: '/usr/bin/ffmpeg', source: 'environment', problem: null });
      expect(ffmpeg?.version).toMatch(/^ffmpeg version \S+/);
      expect(ffprobe).toMatchObject({ name: 'ffprobe', path: null, source: null, version: null });
      expect(ffprobe?.problem).toBe('FFPROBE_PATH is set to "/nowhere/ffprobe", but there is no executable file there.');
    } finally {
      for (const [name, value] of [['FFMPEG_PATH', saved.ffmpeg], ['FFPROBE_PATH', saved.ffprobe]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('save, replace and clear the Loom key, and answer only where it comes from', async () => {
    const services = openTestServices({ safeStorage: safeStorageStandIn() });
    const { invoke, attempt } = apiClient(services);
    expect(await invoke('settings.get', {})).toEqual({
      secretStorage: { available: true, reason: null },
      loom: { apiKeySource: 'none', savedKey: 'none', baseUrl: 'https://www.loom.com' },
    });

    const answers = [await invoke('settings.setLoomApiKey', { apiKey: `  ${key}\n` })];
    expect(answers[0]?.loom).toMatchObject({ apiKeySource: 'saved', savedKey: 'saved' });
    expect(services.loomSettings().apiKey).toBe(key);
    answers.push(await invoke('settings.setLoomApiKey', { apiKey: 'lk_live_second' }), await invoke('settings.get', {}));
    expect(services.loomSettings().apiKey).toBe('lk_live_second');
    for (const answer of answers) expect(JSON.stringify(answer)).not.toMatch(/lk_live/);

    expect(await attempt('settings.setLoomApiKey', { apiKey: 'two words' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', detail: 'apiKey: A Loom API key has no spaces and only letters, digits and punctuation.' },
    });
    expect(await attempt('settings.setLoomApiKey', { apiKey: '   ' })).toMatchObject({ ok: false, error: { detail: expect.stringContaining('apiKey: Enter the Loom API key.') } });

    expect((await invoke('settings.clearLoomApiKey', {})).loom).toMatchObject({ apiKeySource: 'none', savedKey: 'none' });
    expect(services.loomSettings().apiKey).toBeUndefined();
  });

  it('keep the key across a restart on the same computer; another computer cannot read it and says so', async () => {
    const libraryDir = tempLibraryDir();
    const thisComputer = safeStorageStandIn();
    const first = openServices({ libraryDir, safeStorage: thisComputer });
    await apiClient(first).invoke('settings.setLoomApiKey', { apiKey: key });
    await first.close();

    expect(openTestServices({ libraryDir, safeStorage: thisComputer }).loomSettings().apiKey).toBe(key);
    const elsewhere = openTestServices({ libraryDir, safeStorage: safeStorageStandIn() });
    expect((await apiClient(elsewhere).invoke('settings.get', {})).loom).toMatchObject({ apiKeySource: 'none', savedKey: 'unreadable' });
    expect(elsewhere.loomSettings().apiKey).toBeUndefined();
  });

  it('on a host without safeStorage, refuse to save and point at LOOM_API_KEY, which is used as before', async () => {
    const services = openTestServices();
    const { invoke, attempt } = apiClient(services);
    expect(await invoke('settings.get', {})).toMatchObject({ secretStorage: { available: false, reason: secretMessages.noSafeStorage } });
    expect(await attempt('settings.setLoomApiKey', { apiKey: key })).toEqual({
      ok: false,
      error: { code: 'no-secure-storage', message: secretMessages.noSafeStorage },
    });

    const withEnvironment = openTestServices({ ingest: { loom: { baseUrl: 'https://loom.test', apiKey: 'from-env' } } });
    expect((await apiClient(withEnvironment).invoke('settings.get', {})).loom).toEqual({
      apiKeySource: 'environment',
      savedKey: 'none',
      baseUrl: 'https://loom.test',
    });
    expect(withEnvironment.loomSettings().apiKey).toBe('from-env');
  });

  it('send the saved key to Loom as a bearer token from the next import on, with LOOM_API_KEY taking precedence', async () => {
    standIn = await startLoomStandIn({ mediaDir });
    const safeStorage = safeStorageStandIn();
    const services = openTestServices({ startQueue: true, safeStorage, ingest: { loom: { baseUrl: standIn.baseUrl } } });
    const { invoke } = apiClient(services);
    const project = await invoke('projects.create', { name: 'Keys' });
    const link = `https://www.loom.com/share/${standIn.ids.ok2}`;
    let batch = 0;
    const importLink = async (): Promise<string[]> => {
      const first = standIn?.requests.length ?? 0;
      const result = await invoke('ingest.start', { projectId: project.id, batch: { newName: `B${++batch}` }, links: [link], options });
      await services.queue.waitFor([result.videos[0]?.video?.jobId ?? '']);
      expect((await invoke('jobs.list', {})).map((job) => job.status)).toEqual(Array(batch).fill('done'));
      return standIn?.requests.slice(first) ?? [];
    };
    const authorizations = (requests: string[]) => new Set(requests.map((line) => /authorization=(.*)$/.exec(line)?.[1] ?? 'none'));

    expect(authorizations(await importLink())).toEqual(new Set(['none']));
    await invoke('settings.setLoomApiKey', { apiKey: key });
    const withKey = await importLink();
    expect(withKey.some((line) => line.startsWith('GET /v1/oembed'))).toBe(true);
    expect(withKey.some((line) => line.includes('/transcoded-url'))).toBe(true);
    expect(authorizations(withKey)).toEqual(new Set([`Bearer ${key}`]));

    await invoke('settings.setLoomApiKey', { apiKey: 'lk_live_rotated' });
    expect(authorizations(await importLink())).toEqual(new Set(['Bearer lk_live_rotated']));
    await invoke('settings.clearLoomApiKey', {});
    expect(authorizations(await importLink())).toEqual(new Set(['none']));

    const overridden = openTestServices({ safeStorage, libraryDir: tempLibraryDir(), ingest: { loom: { baseUrl: standIn.baseUrl, apiKey: 'from-env' } } });
    await apiClient(overridden).invoke('settings.setLoomApiKey', { apiKey: key });
    expect(overridden.loomSettings().apiKey).toBe('from-env');
  });
});
