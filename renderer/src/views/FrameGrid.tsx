import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { Frame } from '../../../shared/domain';
import { formatTimestamp } from '../format';
import { useSelection } from '../state/selection';
import { holdThumbnails } from '../thumbnails';
import { Thumbnail } from './Thumbnail';

const gap = 6;

/** Tiles grow with the window: 150 px up to about 1,800 px wide, then a twelfth of it, up to 280 px on a 4K screen. */
function minTileWidth(windowWidth: number): number {
  return Math.max(150, Math.min(280, Math.round(windowWidth / 12)));
}
/** Faster than this (about three grid heights a second) the grid is being flung, not looked at. */
const flingPxPerMs = 2;
/** How long after the last scroll event thumbnails load again. */
const flingSettleMs = 120;
/** The grid's height as a share of the window, so the batch headers around it stay in view. */
const heightShare = 0.7;

/** About how many tiles a grid shows before any scrolling, from the window's size alone. */
export function tilesOnFirstScreen(): number {
  const tile = minTileWidth(window.innerWidth);
  const columns = Math.max(1, Math.floor((window.innerWidth + gap) / (tile + gap)));
  const rows = Math.ceil((window.innerHeight * heightShare) / ((tile * 9) / 16 + gap));
  return columns * rows;
}
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
  frames: Frame[];
  /** Frames of the batch still on their way after `frames`: the grid keeps their places, so its scrollbar never jumps. */
  pending: number;
  annotationCounts: ReadonlyMap<string, number>;
  onOpen(frame: Frame): void;
  onDelete(ids: string[]): void;
  /** The person has scrolled to places whose frames have not arrived yet. */
  onNeedMore(): void;
}

/**
 * A batch's frames as a virtualised grid: only the rows on screen are in the DOM, so a batch of 10,000 frames
 * scrolls like one of 100. Keyboard: arrows move, Shift extends, Space toggles, Enter opens, Delete deletes,
 * Ctrl/Cmd+A selects the batch.
 */
export function FrameGrid({ batchId, batchName, frames, pending, annotationCounts, onOpen, onDelete, onNeedMore }: FrameGridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const selection = useSelection();
  const ours = selection.batchId === batchId;
  const order = useMemo(() => frames.map((frame) => frame.id), [frames]);
  const byId = useMemo(() => new Map(frames.map((frame) => [frame.id, frame])), [frames]);

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
  const places = frames.length + pending;
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
  const lastShown = ((virtualRows.at(-1)?.index ?? -1) + 1) * columns;
  const reachesPending = pending > 0 && lastShown > frames.length;
  useEffect(() => {
    if (reachesPending) onNeedMore();
  }, [reachesPending, onNeedMore]);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    let lastTop = element.scrollTop;
    let lastAt = performance.now();
    let settle: ReturnType<typeof setTimeout> | undefined;
    const onScroll = () => {
      savedScroll.set(batchId, element.scrollTop);
      const now = performance.now();
      const speed = Math.abs(element.scrollTop - lastTop) / Math.max(1, now - lastAt);
      lastTop = element.scrollTop;
      lastAt = now;
      holdThumbnails(speed > flingPxPerMs);
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

  const moveFocus = (id: string, extend: boolean) => {
    if (extend) selection.selectRange(batchId, order, id);
    else selection.selectOnly(batchId, id);
    virtualizer.scrollToIndex(Math.floor(order.indexOf(id) / columns));
  };

  // Ctrl/Cmd+A and End mean the whole batch. Pressed while its later frames are still loading, they act on the frames
  // here at once and again on all of them once the rest arrives, unless another key or a click comes first.
  const onceLoaded = useRef<((all: readonly string[]) => void) | null>(null);
  useEffect(() => {
    const action = onceLoaded.current;
    if (action === null || pending > 0) return;
    onceLoaded.current = null;
    action(order);
  }, [order, pending]);
  const whenAllLoaded = (action: (all: readonly string[]) => void) => {
    if (pending === 0) return;
    onceLoaded.current = action;
    onNeedMore();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    onceLoaded.current = null;
    if (frames.length === 0) return;
    const current = focused ? order.indexOf(focused) : -1;
    const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns, Home: -Infinity, End: Infinity };
    if (event.key in step) {
      event.preventDefault();
      const delta = step[event.key] ?? 0;
      const next = current < 0 ? 0 : Math.min(order.length - 1, Math.max(0, current + delta));
      moveFocus(order[next] ?? '', event.shiftKey);
      if (event.key === 'End') whenAllLoaded((all) => latest.current.moveFocus(all.at(-1) ?? '', event.shiftKey));
    } else if (event.key === 'Enter' && focused) {
      event.preventDefault();
      const frame = byId.get(focused);
      if (frame) onOpen(frame);
    } else if ((event.key === 'Delete' || event.key === 'Backspace') && ours && selection.selected.size > 0) {
      event.preventDefault();
      onDelete([...selection.selected]);
    } else if (event.key === 'a' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      selection.selectAll(batchId, order);
      whenAllLoaded((all) => {
        // Unless the selection changed some other way meanwhile (the Clear selection button).
        const now = useSelection.getState();
        if (now.batchId === batchId && now.selected.size === order.length) now.selectAll(batchId, all);
      });
    } else if (event.key === ' ' && focused) {
      event.preventDefault();
      selection.toggle(batchId, focused);
    }
  };

  // One stable object for every tile, reading the latest props through a ref, so scrolling re-renders only the
  // tiles that come into view. Actions deferred until the batch has loaded read it too.
  const latest = useRef({ batchId, order, onOpen, moveFocus });
  latest.current = { batchId, order, onOpen, moveFocus };
  const actions = useMemo<TileActions>(
    () => ({
      click: (event, id) => {
        onceLoaded.current = null;
        const { batchId: batch, order: ids } = latest.current;
        const { selectRange, toggle, selectOnly } = useSelection.getState();
        if (event.shiftKey) selectRange(batch, ids, id);
        else if (event.ctrlKey || event.metaKey) toggle(batch, id);
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
      aria-busy={pending > 0}
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
            <div key={row.key} className="frame-row" style={{ transform: `translateY(${row.start}px)`, height: rowHeight - gap, gap }}>
              {frames.slice(start, end).map((frame) => (
                <FrameTile
                  key={frame.id}
                  frame={frame}
                  width={tileWidth}
                  selected={ours && selection.selected.has(frame.id)}
                  focused={focused === frame.id}
                  annotations={annotationCounts.get(frame.id) ?? 0}
                  actions={actions}
                />
              ))}
              {Array.from({ length: Math.max(0, end - Math.max(start, frames.length)) }, (_, i) => (
                <div key={`pending-${i}`} className="frame-tile pending" aria-hidden="true" style={{ width: tileWidth }} />
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
