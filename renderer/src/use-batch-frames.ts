import { useCallback, useEffect, useRef, useState } from 'react';
import type { Frame } from '../../shared/domain';
import { call, subscribe } from './api';
import { useApp } from './state/store';
import { preloadThumbnails } from './thumbnails';
import { tilesOnFirstScreen } from './grid-geometry';
import { firstScreenShown } from './first-screen';

/** Frames travel in pages of this many, each asked for by its position in the batch. */
export const framePageSize = 300;
/**
 * Pages further than this many frames from the screen are let go, so memory is the same whatever the number of
 * frames scrolled past. 1,200 frames is about twelve screens, so scrolling back a little finds them here.
 */
const keepAround = 1200;
/** Loading the whole batch (for a filter or Select all) goes in requests of up to this many pages. */
const pagesPerBulkRequest = 20;
const requestsAtOnce = 2;
/** After a page request fails, the wait before the next: 0.5 s, doubling up to 5 s while it keeps failing. */
const retryFirstMs = 500;
const retryMaxMs = 5_000;

type FramePage = Awaited<ReturnType<typeof firstFrames>>;
const prefetched = new Map<string, { page: Promise<FramePage>; at: number }>();
/** A prefetch no section took this soon is from an earlier visit, and may be out of date. */
const prefetchFreshMs = 5000;

function firstFrames(batchId: string) {
  return call('frames.list', { batchId, offset: 0, limit: framePageSize });
}

/**
 * Asks for a batch's first frames and their thumbnails as soon as the batch is known, before its section renders,
 * so opening a project costs one round trip less. The section's first load takes the answer; later loads ask
 * afresh. Settles once the first screen's thumbnails are answered.
 */
export function prefetchBatchFrames(batchId: string): Promise<void> {
  const page = firstFrames(batchId);
  const entry = { page, at: Date.now() };
  prefetched.set(batchId, entry);
  // A failed prefetch is not an error to show here, nor an answer to keep: a section that mounts once the host is
  // back asks afresh instead of taking the refusal it gave while away.
  return page.then(
    (first) => preloadThumbnails(first.frames.slice(0, tilesOnFirstScreen()).map((frame) => frame.thumbPath)),
    () => {
      if (prefetched.get(batchId) === entry) prefetched.delete(batchId);
    },
  );
}

function takePrefetched(batchId: string): Promise<FramePage> | undefined {
  const entry = prefetched.get(batchId);
  prefetched.delete(batchId);
  return entry && Date.now() - entry.at < prefetchFreshMs ? entry.page : undefined;
}

export interface BatchFrames {
  /**
   * One place per frame of the batch, in order: the frame where its page is here, undefined where it has not
   * arrived or was let go. Sized from the batch's frame count before any page arrives, so the grid's scroll height
   * is right from the start.
   */
  frames: readonly (Frame | undefined)[];
  /** Every frame of the batch is here. */
  complete: boolean;
  /** The places the grid shows (from inclusive, to exclusive): their page is asked for next, straight by position. */
  show(from: number, to: number): void;
}

interface Loaded {
  frames: (Frame | undefined)[];
  complete: boolean;
}

/**
 * A batch's frames, loaded by position around what the grid shows: jumping to the end of 50,000 frames asks for
 * the page there, not for every page before it, and pages far from the screen are let go. With `everything`
 * (a filter, Select all) the whole batch loads and stays. Nothing loads until `wanted` (the section has come near
 * the screen). Reloads (after an extraction, a move, a delete) keep showing the old frames until the new ones on
 * screen have arrived, so the grid never flickers empty.
 */
export function useBatchFrames(batchId: string, frameCount: number, wanted: boolean, everything: boolean): BatchFrames {
  const [state, setState] = useState<Loaded>(() => ({ frames: new Array<Frame | undefined>(frameCount), complete: frameCount === 0 }));
  const view = useRef({ from: 0, to: 0 });
  const everythingNow = useRef(everything);
  everythingNow.current = everything;
  const wake = useRef<() => void>(() => undefined);

  const reloadSoon = useRef<() => void>(() => undefined);
  const countNow = useRef(frameCount);
  countNow.current = frameCount;
  // Until the section loads, the count from the batch list sizes its grid. Once it loads, a new count there means
  // the batch changed, perhaps before this section was listening for it: its frames are asked for again.
  const known = state.frames.length;
  useEffect(() => {
    if (known === frameCount) return;
    if (wanted) reloadSoon.current();
    else setState((current) => resized(current.frames, frameCount));
    // Only a new count from the batch list is news; the count here changes with every reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [frameCount, wanted]);

  useEffect(() => {
    if (!wanted) return;
    let generation = 0;
    let slots = state.frames.length === countNow.current ? state.frames.slice() : resized(state.frames, countNow.current).frames;
    const pages = new Set<number>();
    /** Pages of requests still on their way, so a page is never asked for twice at once. */
    const asked = new Set<number>();
    let inFlight = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    /** Page requests failed in a row, and the wait before asking again after one. */
    let failures = 0;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    // Where the grid already is (a saved scroll position, a deep link), or else its first screen.
    if (view.current.to === 0) view.current = { from: 0, to: tilesOnFirstScreen() };
    // Pages off the screen wait while the page opens: on the host, they went ahead of the first screen's thumbnails.
    let screenOnly = true;
    let ended = false;
    void firstScreenShown().then(() => {
      screenOnly = false;
      if (!ended) pump();
    });

    const pageCount = () => Math.ceil(slots.length / framePageSize);
    const publish = () => setState({ frames: slots.slice(), complete: pages.size >= pageCount() });

    /** Lets go of pages far from the screen, unless the whole batch is wanted. */
    const letGo = () => {
      if (everythingNow.current) return false;
      const { from, to } = view.current;
      let dropped = false;
      for (const page of pages) {
        const start = page * framePageSize;
        if (start + framePageSize > from - keepAround && start < to + keepAround) continue;
        pages.delete(page);
        slots.fill(undefined, start, Math.min(slots.length, start + framePageSize));
        dropped = true;
      }
      return dropped;
    };

    /** The missing pages to ask for next, in one request: the screen's first, then a page either side, then (for everything) the rest. */
    const nextRequest = (): { first: number; count: number } | null => {
      const { from, to } = view.current;
      const last = pageCount() - 1;
      if (last < 0) return null;
      const onScreen = [Math.floor(from / framePageSize), Math.floor(Math.max(from, to - 1) / framePageSize)].map((p) => Math.min(last, p)) as [number, number];
      const around = [Math.max(0, onScreen[0] - 1), Math.min(last, onScreen[1] + 1)] as const;
      const missing = (a: number, b: number) => {
        for (let page = a; page <= b; page++) if (!pages.has(page) && !asked.has(page)) return page;
        return -1;
      };
      const extend = (first: number, limit: number) => {
        let count = 1;
        while (count < pagesPerBulkRequest && first + count <= limit && !pages.has(first + count) && !asked.has(first + count)) count++;
        return { first, count };
      };
      let first = missing(onScreen[0], onScreen[1]);
      if (first >= 0) return extend(first, onScreen[1]);
      if (screenOnly) return null;
      first = missing(around[0], around[1]);
      if (first >= 0) return extend(first, around[1]);
      if (!everythingNow.current) return null;
      first = missing(0, last);
      return first >= 0 ? extend(first, Math.min(last, first + pagesPerBulkRequest - 1)) : null;
    };
    const load = async ({ first, count }: { first: number; count: number }, mine: number) => {
      const offset = first * framePageSize;
      const before = slots[offset - 1];
      // Behind a frame that is here, the keyset form seeks straight to it; elsewhere the position does.
      const page = await call('frames.list', {
        batchId,
        offset,
        limit: count * framePageSize,
        after: before ? { videoId: before.videoId, index: before.index } : undefined,
      });
      if (mine !== generation) return;
      if (page.total !== slots.length) return reload();
      page.frames.forEach((frame, i) => (slots[offset + i] = frame));
      for (let p = first; p < first + count; p++) pages.add(p);
      letGo();
      publish();
    };

    const pump = () => {
      const mine = generation;
      while (inFlight < requestsAtOnce) {
        const request = nextRequest();
        if (!request) return;
        for (let p = request.first; p < request.first + request.count; p++) asked.add(p);
        inFlight++;
        load(request, mine)
          .then(
            () => {
              failures = 0;
            },
            (error: unknown) => {
              if (failures++ === 0) useApp.getState().showError(error);
            },
          )
          .finally(() => {
            for (let p = request.first; p < request.first + request.count; p++) asked.delete(p);
            if (mine !== generation) return;
            inFlight--;
            if (failures === 0) return pump();
            // A call refused at once (the host is down) would otherwise be asked again at once, forever, in a loop of
            // settled promises that starves the page: it could neither paint nor be left.
            if (retryTimer) return;
            retryTimer = setTimeout(
              () => {
                retryTimer = null;
                pump();
              },
              Math.min(retryMaxMs, retryFirstMs * 2 ** (failures - 1)),
            );
          });
      }
    };

    /** Asks afresh for the frames on screen, then swaps them in at once with the batch's new count. */
    async function reload(): Promise<void> {
      const mine = ++generation;
      inFlight = 0;
      asked.clear();
      const { from, to } = view.current;
      const first = Math.max(0, Math.floor(from / framePageSize) - 1);
      const count = Math.floor(Math.max(from, to - 1) / framePageSize) + 2 - first;
      const page = await call('frames.list', { batchId, offset: first * framePageSize, limit: Math.min(20_000, count * framePageSize) });
      if (mine !== generation) return;
      slots = new Array<Frame | undefined>(page.total);
      pages.clear();
      page.frames.forEach((frame, i) => (slots[first * framePageSize + i] = frame));
      for (let p = first; p < first + count && p * framePageSize < page.total; p++) pages.add(p);
      publish();
      pump();
    }

    const start = async () => {
      const mine = generation;
      const taken = takePrefetched(batchId);
      if (taken) {
        // On its way already: a pump meanwhile (the grid measuring its width) asked for it a second time.
        asked.add(0);
        const page = await taken.finally(() => asked.delete(0));
        if (mine !== generation) return;
        if (page.total !== slots.length) slots = resized(slots, page.total).frames;
        page.frames.forEach((frame, i) => (slots[i] = frame));
        pages.add(0);
        publish();
      }
      pump();
    };

    const soon = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        reload().catch(useApp.getState().showError);
      }, 300);
    };
    reloadSoon.current = soon;
    wake.current = () => {
      if (letGo()) publish();
      pump();
    };
    start().catch(useApp.getState().showError);
    const offs = [
      subscribe('job.updated', (job) => {
        if (job.batchId === batchId && job.status === 'done') soon();
      }),
      subscribe('library.changed', (change) => {
        if (change.batchId === batchId) soon();
      }),
    ];
    return () => {
      ended = true;
      generation++;
      wake.current = () => undefined;
      reloadSoon.current = () => undefined;
      offs.forEach((off) => off());
      if (timer) clearTimeout(timer);
      if (retryTimer) clearTimeout(retryTimer);
    };
    // The frames shown so far seed a restart; a restart is for a new batch or the section coming near, not for them.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [batchId, wanted]);

  useEffect(() => {
    if (everything) wake.current();
  }, [everything]);

  const show = useCallback((from: number, to: number) => {
    if (view.current.from === from && view.current.to === to) return;
    view.current = { from, to };
    wake.current();
  }, []);

  return { frames: state.frames, complete: state.complete, show };
}

function resized(frames: readonly (Frame | undefined)[], total: number): Loaded {
  const next = new Array<Frame | undefined>(total);
  for (let i = 0; i < Math.min(total, frames.length); i++) next[i] = frames[i];
  return { frames: next, complete: total === 0 };
}
