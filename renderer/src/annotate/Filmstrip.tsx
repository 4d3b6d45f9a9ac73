import { useEffect, useRef } from 'react';
import type { Frame } from '../../../shared/domain';
import { frameLabel } from '../views/FrameGrid';
import { Thumbnail } from '../views/Thumbnail';

const reach = 7;

interface FilmstripProps {
  frames: readonly Frame[];
  index: number;
  counts: ReadonlyMap<string, number>;
  onOpen(frame: Frame): void;
}

/** The frames around this one, with their shape counts; a click goes there. */
export function Filmstrip({ frames, index, counts, onOpen }: FilmstripProps) {
  const current = useRef<HTMLButtonElement>(null);
  const start = Math.max(0, index - reach);
  const shown = frames.slice(start, index + reach + 1);

  useEffect(() => {
    current.current?.scrollIntoView({ block: 'nearest', inline: 'center' });
  }, [index]);

  return (
    <nav className="filmstrip" aria-label="Filmstrip">
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
