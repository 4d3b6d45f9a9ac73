import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName, EventPayload } from '../../shared/contract';
import { subscribe } from './api';
import { useConnection } from './state/connection';
import { useApp } from './state/store';

/**
 * Loads data, and loads it again (at most every `throttleMs`) whenever one of `events` says it may have changed.
 * Progress events arrive many times a second; views need a fresh read, not one per event. A read that failed while
 * the host was away is made again when it is back, so a page opened meanwhile fills in by itself.
 */
export function useLiveQuery<T>(
  load: () => Promise<T>,
  events: { [E in EventName]?: (payload: EventPayload<E>) => boolean },
  deps: readonly unknown[],
  throttleMs = 250,
): { data: T | undefined; reload: () => void } {
  const [data, setData] = useState<T>();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;

  const failed = useRef(false);

  const reload = useCallback(() => {
    loadRef.current().then(
      (value) => {
        failed.current = false;
        setData(value);
      },
      (error: unknown) => {
        failed.current = true;
        useApp.getState().showError(error);
      },
    );
  }, []);

  useEffect(() => {
    reload();
    const schedule = () => {
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        reload();
      }, throttleMs);
    };
    const offs = (Object.keys(events) as EventName[]).map((event) =>
      subscribe(event, (payload) => {
        const matches = events[event] as ((payload: unknown) => boolean) | undefined;
        if (matches?.(payload)) schedule();
      }),
    );
    offs.push(
      useConnection.subscribe((now, before) => {
        // Only a read that failed: the page's first connection, or one that came back before anything was asked,
        // has nothing to read again.
        if (now.connected && !before.connected && failed.current) schedule();
      }),
    );
    return () => {
      offs.forEach((off) => off());
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { data, reload };
}
