import { useCallback, useEffect, useRef, useState } from 'react';
import type { Frame } from '../../shared/domain';
import { call, subscribe } from './api';
import { useApp } from './state/store';
import { preloadThumbnails } from './thumbnails';
import { tilesOnFirstScreen } from './views/FrameGrid';

const firstPage = 300;
/** Later pages double up to the host's limit: a 50,000-frame batch arrives in six round trips, not twenty. */
const laterPage = 2500;
const largestPage = 20_000;

type FramePage = Awaited<ReturnType<typeof firstFrames>>;
const prefetched = new Map<string, { page: Promise<FramePage>; at: number }>();
/** A prefetch no section took this soon is from an earlier visit, and may be out of date. */
const prefetchFreshMs = 5000;

function firstFrames(batchId: string) {
  return call('frames.list', { batchId, offset: 0, limit: firstPage });
}

/**
 * Asks for a batch's first frames as soon as the batch is known, before its section renders, so opening a
 * project costs one round trip less. The section's first load takes the answer; later loads ask afresh.
 */
export function prefetchBatchFrames(batchId: string, withThumbnails: boolean): void {
  const page = firstFrames(batchId);
  // A failed prefetch is not an error to show here: the section that takes it reports it, or asks again.
  void page.then(
    (first) => {
      if (withThumbnails) preloadThumbnails(first.frames.slice(0, tilesOnFirstScreen()).map((frame) => frame.thumbPath));
    },
    () => undefined,
  );
  prefetched.set(batchId, { page, at: Date.now() });
}

function takePrefetched(batchId: string): Promise<FramePage> | undefined {
  const entry = prefetched.get(batchId);
  prefetched.delete(batchId);
  return entry && Date.now() - entry.at < prefetchFreshMs ? entry.page : undefined;
}

export interface BatchFrames {
  /** The frames loaded so far, in order; undefined until the first page arrives. */
  frames: Frame[] | undefined;
  /** How many frames the batch has, loaded or not, so a grid can be sized for all of them from the start. */
  total: number;
  /** Asks for the rest now rather than after the first screen's thumbnails had their head start. */
  loadRest(): void;
}

/**
 * A batch's frames, loaded progressively: the first screenful arrives at once and paints, the rest follows in
 * larger pages, each starting behind the last frame it has. Nothing loads until `wanted` (the section has come
 * near the screen), so a project of twenty large batches asks only for those the person looks at. Reloads (after
 * an extraction, a move, a delete) keep showing the old list until the new one is complete, so the grid never
 * flickers empty.
 */
export function useBatchFrames(batchId: string, wanted = true): BatchFrames {
  const [state, setState] = useState<{ frames: Frame[]; total: number }>();
  const hurry = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (!wanted) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let generation = 0;
    const load = async (initial: boolean) => {
      const mine = ++generation;
      const first = await ((initial ? takePrefetched(batchId) : undefined) ?? firstFrames(batchId));
      if (mine !== generation) return;
      let loaded = first.frames;
      if (initial || loaded.length >= first.total) setState({ frames: loaded, total: first.total });
      let waited = !initial;
      let pageSize = laterPage;
      while (loaded.length < first.total) {
        if (!waited) {
          // Let the first screen's thumbnails load before asking the host for the rest, unless the person is
          // already scrolling towards frames that are not here yet.
          await new Promise<void>((resolve) => {
            hurry.current = resolve;
            setTimeout(resolve, 1000);
          });
          hurry.current = () => undefined;
          waited = true;
          if (mine !== generation) return;
        }
        const last = loaded.at(-1);
        const after = last ? { videoId: last.videoId, index: last.index } : undefined;
        const page = await call('frames.list', { batchId, offset: loaded.length, limit: pageSize, after });
        pageSize = Math.min(largestPage, pageSize * 2);
        if (mine !== generation) return;
        if (page.frames.length === 0) break;
        loaded = loaded.concat(page.frames);
        if (initial) setState({ frames: loaded, total: first.total });
      }
      setState({ frames: loaded, total: loaded.length });
    };
    const reload = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        load(false).catch(useApp.getState().showError);
      }, 300);
    };
    load(true).catch(useApp.getState().showError);
    const offs = [
      subscribe('job.updated', (job) => {
        if (job.batchId === batchId && job.status === 'done') reload();
      }),
      subscribe('library.changed', (change) => {
        if (change.batchId === batchId) reload();
      }),
    ];
    return () => {
      generation++;
      offs.forEach((off) => off());
      if (timer) clearTimeout(timer);
    };
  }, [batchId, wanted]);

  const loadRest = useCallback(() => hurry.current(), []);
  return { frames: state?.frames, total: state?.total ?? 0, loadRest };
}
