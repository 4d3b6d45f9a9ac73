import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { Frame } from '../../../shared/domain';
import { formatTimestamp } from '../format';
import { useSelection } from '../state/selection';
import { gap, heightShare, minTileWidth } from '../grid-geometry';
import { flingDetector, flingSettleMs } from '../fling';
import { assignRowSlots, type RowSlots } from '../row-slots';
import { holdThumbnails } from '../thumbnails';
import { Thumbnail } from './Thumbnail';

/** Scroll offsets per batch, so returning from a frame lands where the person left. */
const savedScroll = new Map<string, number>();

interface TileActions {
  click(event: MouseEvent, id: string): void;
  open(frame: Frame): void;
}

interface FrameTileProps {
  frame: Frame;
  width: number;
  selected: boolean;
  focused: boolean;
  annotations: number;
  actions: TileActions;
}

const FrameTile = memo(function FrameTile({ frame, width, selected, focused, annotations, actions }: FrameTileProps) {
  return (
    <div
      id={`frame-${frame.id}`}
      role="option"
      aria-selected={selected}
      aria-label={frameLabel(frame)}
      className={`frame-tile${selected ? ' selected' : ''}${focused ? ' focused' : ''}`}
      style={{ width }}
      onClick={(event) => actions.click(event, frame.id)}
      onDoubleClick={() => actions.open(frame)}
    >
      <div className="frame-placeholder" style={placeholderStyle(frame)}>
        <Thumbnail path={frame.thumbPath} />
      </div>
      {selected && (
        <span className="tile-tick" aria-hidden="true">
          ✓
        </span>
      )}
      {annotations > 0 && (
        <span className="annotation-badge" aria-label={`${annotations} annotations`}>
          {annotations}
        </span>
      )}
    </div>
  );
});

const tileAspect = 16 / 9;

/** The whole frame inside its tile: a frame taller than the tile fills its height, a wider one its width. */
export function placeholderStyle(frame: Pick<Frame, 'width' | 'height'>): { aspectRatio: string; width: string; height: string } {
  const aspect = frame.width > 0 && frame.height > 0 ? frame.width / frame.height : tileAspect;
  const aspectRatio = `${frame.width > 0 ? frame.width : 16} / ${frame.height > 0 ? frame.height : 9}`;
  return aspect < tileAspect ? { aspectRatio, width: 'auto', height: '100%' } : { aspectRatio, width: '100%', height: 'auto' };
}

export function frameLabel(frame: Frame): string {
  return `Frame ${frame.index} of ${frame.videoName} at ${formatTimestamp(frame.timestampMs)}`;
}

interface FrameGridProps {
  batchId: string;
  batchName: string;
  /**
   * One place per frame, in order; undefined where the frame is still on its way: the grid keeps its place, so the
   * scrollbar never jumps.
   */
  frames: readonly (Frame | undefined)[];
  /** Every frame of the batch is in `frames`. */
  complete: boolean;
  annotationCounts: ReadonlyMap<string, number>;
  onOpen(frame: Frame): void;
  onDelete(ids: string[]): void;
  /** The places on screen now (from inclusive, to exclusive), so their frames load first. */
  onShow(from: number, to: number): void;
  /** An action needs every frame of the batch (Select all). */
  onNeedAll(): void;
}

/**
 * A batch's frames as a virtualised grid: only the rows on screen are in the DOM, so a batch of 10,000 frames
 * scrolls like one of 100. Keyboard: arrows move, Shift extends, Space toggles, Enter opens, Delete deletes,
 * Ctrl/Cmd+A selects the batch.
 */
export function FrameGrid({ batchId, batchName, frames, complete, annotationCounts, onOpen, onDelete, onShow, onNeedAll }: FrameGridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const selection = useSelection();
  const ours = selection.batchId === batchId;
  const order = useMemo(() => Array.from(frames, (frame) => frame?.id), [frames]);
  const loadedIds = useMemo(() => order.filter((id) => id !== undefined), [order]);
  const byId = useMemo(() => new Map(frames.filter((frame) => frame !== undefined).map((frame) => [frame.id, frame])), [frames]);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setWidth(entry?.contentRect.width ?? 0));
    observer.observe(element);
    setWidth(element.clientWidth);
    return () => observer.disconnect();
  }, []);

  const minTile = minTileWidth(window.innerWidth);
  const columns = Math.max(1, Math.floor((width + gap) / (minTile + gap)));
  const tileWidth = width > 0 ? (width - gap * (columns - 1)) / columns : minTile;
  const rowHeight = Math.round((tileWidth * 9) / 16) + gap;
  const places = frames.length;
  const rows = Math.ceil(places / columns);

  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 2,
    initialOffset: savedScroll.get(batchId) ?? 0,
  });

  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, virtualizer]);

  const virtualRows = virtualizer.getVirtualItems();
  const lastSlots = useRef<RowSlots>(new Map());
  const slots = assignRowSlots(lastSlots.current, virtualRows.map((row) => row.index));
  useLayoutEffect(() => {
    lastSlots.current = slots;
  });
  const firstShown = (virtualRows[0]?.index ?? 0) * columns;
  const lastShown = Math.min(places, ((virtualRows.at(-1)?.index ?? -1) + 1) * columns);
  useEffect(() => {
    onShow(firstShown, lastShown);
  }, [firstShown, lastShown, onShow]);
  let waitingOnScreen = false;
  for (let i = firstShown; i < lastShown && !waitingOnScreen; i++) waitingOnScreen = frames[i] === undefined;

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const flung = flingDetector();
    flung(element.scrollTop, performance.now());
    let settle: ReturnType<typeof setTimeout> | undefined;
    const onScroll = () => {
      const top = element.scrollTop;
      savedScroll.set(batchId, top);
      holdThumbnails(flung(top, performance.now()));
      clearTimeout(settle);
      settle = setTimeout(() => holdThumbnails(false), flingSettleMs);
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      element.removeEventListener('scroll', onScroll);
      clearTimeout(settle);
      holdThumbnails(false);
    };
  }, [batchId]);

  const focused = ours && selection.focused && byId.has(selection.focused) ? selection.focused : null;

  // An action waiting for frames still on their way (End before the last page has come, Select all before the whole
  // batch has) runs once they are here, unless another key or a click comes first.
  const deferred = useRef<{ ready(): boolean; run(): void } | null>(null);
  useEffect(() => {
    const action = deferred.current;
    if (!action?.ready()) return;
    deferred.current = null;
    action.run();
  }, [order, complete]);

  /**
   * Whether every frame from the selection's anchor to the place `index` is here, so a Shift range to it can be taken
   * at once; otherwise it waits for the whole batch and is taken once, never first from the frames that happen to be
   * here (with the anchor's page let go, that lost the anchor).
   */
  const rangeHere = (index: number) => {
    const { order: places, complete: all } = latest.current;
    if (all) return true;
    const { batchId: selectionBatch, anchor } = useSelection.getState();
    const from = selectionBatch === batchId && anchor ? places.indexOf(anchor) : index;
    if (from < 0) return false;
    for (let i = Math.min(from, index); i <= Math.max(from, index); i++) if (places[i] === undefined) return false;
    return true;
  };

  /**
   * Focuses the frame at this place: the grid scrolls there at once, and the focus follows when its page is here.
   * A range (Shift) over frames not all here waits for the whole batch, so it takes those never loaded too.
   */
  const focusAt = (index: number, extend: boolean) => {
    virtualizer.scrollToIndex(Math.floor(index / columns));
    const id = order[index];
    if (id === undefined || (extend && !rangeHere(index))) {
      if (extend) onNeedAll();
      deferred.current = {
        ready: () => latest.current.order[index] !== undefined && (!extend || latest.current.complete),
        run: () => latest.current.focusAt(index, extend),
      };
      return;
    }
    if (extend) selection.selectRange(batchId, loadedIds, id);
    else selection.selectOnly(batchId, id);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    deferred.current = null;
    if (places === 0) return;
    const current = focused ? order.indexOf(focused) : -1;
    const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns, Home: -Infinity, End: Infinity };
    if (event.key in step) {
      event.preventDefault();
      const delta = step[event.key] ?? 0;
      const from = current < 0 && Number.isFinite(delta) ? 0 : current + delta;
      focusAt(Math.min(places - 1, Math.max(0, from)), event.shiftKey);
    } else if (event.key === 'Enter' && focused) {
      event.preventDefault();
      const frame = byId.get(focused);
      if (frame) onOpen(frame);
    } else if ((event.key === 'Delete' || event.key === 'Backspace') && ours && selection.selected.size > 0) {
      event.preventDefault();
      onDelete([...selection.selected]);
    } else if (event.key === 'a' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      selection.selectAll(batchId, loadedIds);
      if (!complete) {
        onNeedAll();
        const selectedNow = loadedIds.length;
        deferred.current = {
          ready: () => latest.current.complete,
          run: () => {
            // Unless the selection changed some other way meanwhile (the Clear selection button).
            const now = useSelection.getState();
            if (now.batchId === batchId && now.selected.size === selectedNow) now.selectAll(batchId, latest.current.loadedIds);
          },
        };
      }
    } else if (event.key === ' ' && focused) {
      event.preventDefault();
      selection.toggle(batchId, focused);
    }
  };

  // One stable object for every tile, reading the latest props through a ref, so scrolling re-renders only the
  // tiles that come into view. Actions deferred until the batch has loaded read it too.
  const latest = useRef({ batchId, order, loadedIds, complete, onOpen, onNeedAll, focusAt, rangeHere });
  latest.current = { batchId, order, loadedIds, complete, onOpen, onNeedAll, focusAt, rangeHere };
  const actions = useMemo<TileActions>(
    () => ({
      click: (event, id) => {
        deferred.current = null;
        const { batchId: batch, loadedIds: ids } = latest.current;
        const { selectRange, toggle, selectOnly } = useSelection.getState();
        if (event.shiftKey) {
          if (latest.current.rangeHere(latest.current.order.indexOf(id))) selectRange(batch, ids, id);
          else {
            // The frames between are not all here: the range is taken once the whole batch is, the click shown meanwhile.
            useSelection.getState().focus(batch, id);
            latest.current.onNeedAll();
            deferred.current = { ready: () => latest.current.complete, run: () => selectRange(batch, latest.current.loadedIds, id) };
          }
        } else if (event.ctrlKey || event.metaKey) toggle(batch, id);
        else selectOnly(batch, id);
      },
      open: (frame) => latest.current.onOpen(frame),
    }),
    [],
  );

  const height = Math.min(virtualizer.getTotalSize(), Math.round(window.innerHeight * heightShare));

  return (
    <div
      ref={scroller}
      // While the wheel moves the grid, its tiles take no pointer events: Chromium then skips hit-testing every tile
      // at each scrolled frame, and nothing under a still pointer can be clicked by accident mid-scroll.
      className={`frame-grid${virtualizer.isScrolling ? ' scrolling' : ''}`}
      role="listbox"
      aria-label={`Frames in ${batchName}`}
      aria-multiselectable="true"
      aria-busy={waitingOnScreen}
      aria-activedescendant={focused ? `frame-${focused}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (!focused && order[0]) selection.focus(batchId, order[0]);
      }}
      style={{ height: places === 0 ? 0 : height }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualRows.map((row) => {
          const start = row.index * columns;
          const end = Math.min(start + columns, places);
          return (
            // Keyed by slot, not by row, and the tiles in it by column: see row-slots.ts.
            <div key={slots.get(row.index)} className="frame-row" style={{ transform: `translateY(${row.start}px)`, height: rowHeight - gap, gap }}>
              {Array.from({ length: end - start }, (_, i) => {
                const frame = frames[start + i];
                return frame ? (
                  <FrameTile
                    key={i}
                    frame={frame}
                    width={tileWidth}
                    selected={ours && selection.selected.has(frame.id)}
                    focused={focused === frame.id}
                    annotations={annotationCounts.get(frame.id) ?? 0}
                    actions={actions}
                  />
                ) : (
                  <div key={i} className="frame-tile pending" aria-hidden="true" style={{ width: tileWidth }} />
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
