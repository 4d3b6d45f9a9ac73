import { describe, expect, it, vi } from 'vitest';
import type { EventPayload } from '../../shared/contract';
import { uuidv7 } from '../../shared/ids';
import { addMember, seedProjectWithFiles, signedInDevice } from '../test-support/sync-devices';
import { supabaseForThisFile } from '../test-support/supabase/for-this-file';
import type { TestSupabase } from '../test-support/supabase/stand-in';

let supabase: TestSupabase;
const unique = () => uuidv7().slice(-8);

supabaseForThisFile((started) => (supabase = started));

describe('a first pull of a shared project', () => {
  it('tells the views about the pulled frames before any thumbnail has come down, then names each thumbnail that lands', async (context) => {
    const standIn = supabase.standIn;
    if (!standIn) return context.skip('Holding Storage’s downloads back needs the stand-in.');
    const alice = await signedInDevice(supabase, `alice-${unique()}@example.com`);
    const bob = await signedInDevice(supabase, `bob-${unique()}@example.com`);
    const { project, frames } = seedProjectWithFiles(alice.services, `Harbour ${unique()}`, 30);
    await alice.api.invoke('sync.linkProject', { projectId: project.id });
    await alice.api.invoke('sync.now', {});
    await addMember(supabase, project.id, bob.userId, 'editor');

    const changed: EventPayload<'library.changed'>[] = [];
    const arrived: EventPayload<'thumbnails.arrived'>[] = [];
    bob.services.events.on('library.changed', (change) => changed.push(change));
    bob.services.events.on('thumbnails.arrived', (news) => arrived.push(news));
    standIn.holdDownloads();
    // A failing check must not leave the downloads, and so the library's closing, waiting for ever.
    context.onTestFinished(() => standIn.releaseDownloads());
    const run = bob.api.invoke('sync.openCloudProject', { projectId: project.id });

    await vi.waitFor(() => expect(standIn.heldDownloads()).toBeGreaterThan(0));
    expect(changed).toContainEqual({ entity: 'project', projectId: project.id, batchId: null });
    const listed = await bob.api.invoke('frames.list', { batchId: frames[0]?.batchId ?? '' });
    expect(listed.total).toBe(30);
    expect(arrived).toEqual([]);

    standIn.releaseDownloads(1);
    await vi.waitFor(() => expect(arrived.flatMap((news) => news.thumbPaths)).toHaveLength(1));
    standIn.releaseDownloads();
    await run;
    const named = arrived.flatMap((news) => news.thumbPaths);
    expect(arrived.every((news) => news.projectId === project.id)).toBe(true);
    expect(new Set(named).size).toBe(named.length);
    expect(named.sort()).toEqual(listed.frames.map((frame) => frame.thumbPath).sort());
  });
});
