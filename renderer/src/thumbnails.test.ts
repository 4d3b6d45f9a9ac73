import { beforeEach, describe, expect, it, vi } from 'vitest';

/** The host's thumbnails folder: paths it can serve now. */
const onDisk = new Set<string>();
const asked: string[][] = [];
const handlers = new Map<string, (payload: unknown) => void>();
/** Requests answered only when a test lets them, to stand for one still in flight. */
let holdAnswers = false;
const held: (() => void)[] = [];

vi.mock('./api', () => ({
  hostBridge: () => ({
    loadThumbnails: (paths: string[]) => {
      asked.push([...paths]);
      // The host reads its folder when asked; a held answer is what it found then.
      const answer = paths.map((path) => (onDisk.has(path) ? `data:image/jpeg;base64,${btoa(path)}` : null));
      if (!holdAnswers) return Promise.resolve(answer);
      return new Promise((resolve) => held.push(() => resolve(answer)));
    },
  }),
  subscribe: (event: string, handler: (payload: unknown) => void) => {
    handlers.set(event, handler);
    return () => handlers.delete(event);
  },
}));

const { knownThumbnail, preloadThumbnails, watchThumbnail } = await import('./thumbnails');

/** A tile on screen: what it shows now (undefined while it waits for its first answer). */
function tile(path: string) {
  const seen: (string | null)[] = [];
  const unwatch = watchThumbnail(path, (url) => seen.push(url));
  return { seen, unwatch, showing: () => seen.at(-1) };
}

/** A thumbnail on screen: as the host sent it, or from the cache. */
const shows = /^(data|blob):/;
const askedFor = (path: string) => asked.filter((paths) => paths.includes(path)).length;
const arrive = (...thumbPaths: string[]) => {
  for (const path of thumbPaths) onDisk.add(path);
  handlers.get('thumbnails.arrived')?.({ projectId: 'p', thumbPaths });
};

beforeEach(() => {
  asked.length = 0;
  holdAnswers = false;
});

describe('a thumbnail the host sends', () => {
  it('is shown as a Blob, off the JS heap', async () => {
    onDisk.add('thumbs/g/1.jpg');
    const shown = tile('thumbs/g/1.jpg');
    await vi.waitFor(() => expect(shown.showing()).toMatch(/^blob:/));
  });

  it('is shown as it came on a first screen, and kept in the cache as a Blob, off the JS heap', async () => {
    onDisk.add('thumbs/f/1.jpg');
    const preloaded = preloadThumbnails(['thumbs/f/1.jpg']);
    const first = tile('thumbs/f/1.jpg');
    await preloaded;
    await vi.waitFor(() => expect(first.showing()).toMatch(/^data:/));
    first.unwatch();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const again = tile('thumbs/f/1.jpg');
    expect(again.seen).toEqual([]);
    expect(askedFor('thumbs/f/1.jpg')).toBe(1);
    expect(knownThumbnail('thumbs/f/1.jpg')).toMatch(/^blob:/);
  });
});

describe('a thumbnail that was missing when first asked for', () => {
  it('keeps its placeholder without asking again, until the host says it arrived; then it shows', async () => {
    const first = tile('thumbs/a/1.jpg');
    await vi.waitFor(() => expect(first.showing()).toBeNull());
    first.unwatch();
    const again = tile('thumbs/a/1.jpg');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(askedFor('thumbs/a/1.jpg')).toBe(1);

    arrive('thumbs/a/1.jpg');
    await vi.waitFor(() => expect(again.showing()).toMatch(shows));
    expect(askedFor('thumbs/a/1.jpg')).toBe(2);
  });

  it('is asked for again in one request for all the tiles whose thumbnails arrived together', async () => {
    const paths = ['thumbs/b/1.jpg', 'thumbs/b/2.jpg', 'thumbs/b/3.jpg'];
    const tiles = paths.map(tile);
    await vi.waitFor(() => expect(tiles.map((t) => t.showing())).toEqual([null, null, null]));
    const before = asked.length;
    arrive(...paths);
    await vi.waitFor(() => expect(tiles.every((t) => shows.test(t.showing() ?? ''))).toBe(true));
    expect(asked.slice(before)).toEqual([paths]);
  });

  it('is not asked for when it arrives after its tile has left, only at its next showing', async () => {
    const gone = tile('thumbs/e/1.jpg');
    await vi.waitFor(() => expect(gone.showing()).toBeNull());
    gone.unwatch();
    arrive('thumbs/e/1.jpg');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(askedFor('thumbs/e/1.jpg')).toBe(1);
    const back = tile('thumbs/e/1.jpg');
    await vi.waitFor(() => expect(back.showing()).toMatch(shows));
    expect(askedFor('thumbs/e/1.jpg')).toBe(2);
  });

  it('is asked for again when it arrives while the first request is still out', async () => {
    holdAnswers = true;
    const waiting = tile('thumbs/c/1.jpg');
    await vi.waitFor(() => expect(held.length).toBe(1));
    holdAnswers = false;
    arrive('thumbs/c/1.jpg');
    held.pop()?.();
    await vi.waitFor(() => expect(waiting.showing()).toMatch(shows));
    expect(waiting.seen).not.toContain(null);
  });

  it('is asked for once more when a sync run ends, and no more after that', async () => {
    const shownTile = tile('thumbs/d/1.jpg');
    await vi.waitFor(() => expect(shownTile.showing()).toBeNull());
    onDisk.add('thumbs/d/1.jpg');
    const status = handlers.get('sync.status');
    status?.({ state: 'syncing' });
    status?.({ state: 'idle' });
    await vi.waitFor(() => expect(shownTile.showing()).toMatch(shows));
    status?.({ state: 'syncing' });
    status?.({ state: 'idle' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(askedFor('thumbs/d/1.jpg')).toBe(2);
  });
});
