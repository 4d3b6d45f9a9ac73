import { useEffect, useRef } from 'react';
import { AlertNotices } from '../monitoring/AlertNotices';
import { ConnectionStatus } from './ConnectionStatus';
import { ErrorBanner } from './ErrorBanner';
import { ThumbnailProgress } from './ThumbnailProgress';

/**
 * What the person must not miss (an error, the host away, an alert, a long pass's progress) stays at the top of the
 * window however far a long project page is scrolled. Its height is handed to the page as `--banners-height`, so
 * whatever else sticks to the top (the selection bar) sticks below it instead of under it.
 */
export function Banners() {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const banners = element.current;
    if (!banners) return;
    const root = document.documentElement;
    const observer = new ResizeObserver(() => root.style.setProperty('--banners-height', `${banners.offsetHeight}px`));
    observer.observe(banners);
    return () => {
      observer.disconnect();
      root.style.removeProperty('--banners-height');
    };
  }, []);
  return (
    <div className="banners" ref={element}>
      <ErrorBanner />
      <ConnectionStatus />
      <AlertNotices />
      <ThumbnailProgress />
    </div>
  );
}
