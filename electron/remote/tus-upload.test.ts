import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { supabaseForThisFile } from '../test-support/supabase/for-this-file';
import type { TestSupabase } from '../test-support/supabase/stand-in';
import { signedInUser, teamProject } from '../test-support/team-queue';
import { tusChunkBytes, tusUpload } from './tus-upload';

let supabase: TestSupabase;
supabaseForThisFile((started) => (supabase = started));

async function setUp(size: number) {
  const owner = await signedInUser(supabase, 'owner');
  const project = await teamProject(supabase, owner.client, []);
  const file = path.join(tmpdir(), `tus-${process.pid}-${size}.bin`);
  writeFileSync(file, randomBytes(size));
  const token = async () => (await owner.client.auth.getSession()).data.session?.access_token ?? '';
  const base = {
    endpoint: `${supabase.url}/storage/v1/upload/resumable`,
    apiKey: supabase.anonKey,
    accessToken: token,
    file,
    size,
    bucket: 'videos',
    objectName: `${project.projectId}/videos/${project.batchId}/big.bin`,
    contentType: 'application/octet-stream',
    retryBaseMs: 50,
  };
  const stored = async () => {
    const { data, error } = await owner.client.storage.from('videos').download(base.objectName);
    if (error) return null;
    return Buffer.from(await data.arrayBuffer());
  };
  return { base, file, stored };
}

describe('resumable uploads to Storage', () => {
  it('resumes after the connection drops mid-upload, and after a crash from the kept upload address', async () => {
    const size = tusChunkBytes * 3 + 12_345;
    const { base, file, stored } = await setUp(size);
    let uploadUrl: string | null = null;
    const progress: number[] = [];
    // The first attempt is "killed" after its second chunk: the app lost everything but the saved address.
    const crash = new AbortController();
    await expect(
      tusUpload({
        ...base,
        uploadUrl: null,
        onUploadUrl: (url) => (uploadUrl = url),
        onProgress: (sent) => {
          progress.push(sent);
          if (sent >= tusChunkBytes * 2) crash.abort(new Error('crashed'));
        },
        signal: crash.signal,
      }),
    ).rejects.toThrow('crashed');
    expect(uploadUrl).not.toBeNull();
    expect(await stored()).toBeNull();

    // The restart resumes from the server's offset; a dropped connection on the way is waited out and resumed too.
    const resumedFrom: number[] = [];
    let dropped = false;
    await tusUpload({
      ...base,
      uploadUrl,
      onUploadUrl: () => {
        throw new Error('a resumed upload must not be created again');
      },
      onProgress: (sent) => {
        resumedFrom.push(sent);
        if (!dropped && sent > tusChunkBytes * 2) {
          dropped = true;
          supabase.standIn?.dropConnections();
        }
      },
      signal: new AbortController().signal,
    });
    expect(resumedFrom[0]).toBe(tusChunkBytes * 2);
    expect(resumedFrom.at(-1)).toBe(size);
    expect((await stored())?.equals(readFileSync(file))).toBe(true);
  }, 60_000);

  it('says in words when the person may not upload to the project', async () => {
    const { base } = await setUp(1000);
    const stranger = await signedInUser(supabase, 'stranger');
    await expect(
      tusUpload({
        ...base,
        accessToken: async () => (await stranger.client.auth.getSession()).data.session?.access_token ?? '',
        uploadUrl: null,
        onUploadUrl: () => undefined,
        onProgress: () => undefined,
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow('Supabase refused the upload: you need to be an owner or editor of this project.');
  }, 30_000);
});
