import { useEffect, useRef, useState, type RefObject } from 'react';
import type { Frame } from '../../../shared/domain';
import { frameLabel } from '../views/FrameGrid';
import { Thumbnail } from '../views/Thumbnail';
import { filmstripWindow } from './filmstrip-window';

/** The strip's width, following the window's. */
function useWidth(element: RefObject<HTMLElement | null>): number | null {
  const [width, setWidth] = useState<number | null>(null);
  useEffect(() => {
    const node = element.current;
    if (!node) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(entry.contentRect.width));
    observer.observe(node);
    return () => observer.disconnect();
  }, [element]);
  return width;
}

interface FilmstripProps {
  frames: readonly Frame[];
  index: number;
  counts: ReadonlyMap<string, number>;
  onOpen(frame: Frame): void;
}

/** The frames around this one, with their shape counts; a click goes there. */
export function Filmstrip({ frames, index, counts, onOpen }: FilmstripProps) {
  const current = useRef<HTMLButtonElement>(null);
  const strip = useRef<HTMLElement>(null);
  const { start, end } = filmstripWindow(frames.length, index, useWidth(strip));
  const shown = frames.slice(start, end);

  useEffect(() => {
    current.current?.scrollIntoView({ block: 'nearest', inline: 'center' });
  }, [index]);

  return (
    <nav className="filmstrip" aria-label="Filmstrip" ref={strip}>
      <ol>
        {shown.map((frame, offset) => {
          const here = start + offset === index;
          const count = counts.get(frame.id) ?? 0;
          return (
            <li key={frame.id}>
              <button
                ref={here ? current : undefined}
                type="button"
                className={`film-frame${here ? ' current' : ''}`}
                aria-label={`${frameLabel(frame)}${count > 0 ? `, ${count} annotations` : ''}`}
                aria-current={here ? 'true' : undefined}
                onClick={() => onOpen(frame)}
              >
                <Thumbnail path={frame.thumbPath} />
                <span className="film-index" aria-hidden="true">
                  {frame.index}
                </span>
                {count > 0 && (
                  <span className="annotation-badge" aria-hidden="true">
                    {count}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
