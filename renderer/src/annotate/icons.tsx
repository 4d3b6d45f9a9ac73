import type { ReactNode } from 'react';

/** Drawn here rather than taken from a font, whose glyphs for these (〰, 🗑) many systems lack. */
const paths = {
  select: <path d="M5 3l12 7-5.5 1.5L14 18l-2.2 1-2.6-6.4L5 16z" fill="currentColor" stroke="none" />,
  rectangle: <rect x="4" y="6" width="16" height="12" rx="1" />,
  polygon: <path d="M12 3l8 6-3 10H7L4 9z" />,
  polyline: <path d="M3 17l5-8 5 6 4-9 4 5" />,
  point: <circle cx="12" cy="12" r="4" fill="currentColor" />,
  undo: <path d="M9 7H4V2M4 7a9 9 0 1 1-1 8" />,
  redo: <path d="M15 7h5V2m0 5a9 9 0 1 0 1 8" />,
  delete: <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6" />,
  copyPrevious: <path d="M8 8h11v11H8zM5 16H4V5h11v1M11 13.5h5m-2-2 2 2-2 2" />,
} satisfies Record<string, ReactNode>;

export type IconName = keyof typeof paths;

export function Icon({ name }: { name: IconName }) {
  return (
    <svg className="icon-svg" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {paths[name]}
    </svg>
  );
}
