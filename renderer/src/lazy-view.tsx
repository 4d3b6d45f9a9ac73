import { lazy, useState, type ComponentType } from 'react';

/**
 * A view in a chunk of its own that renders at once when its code is already here. React.lazy alone suspends on its
 * first render even then, and React reveals what a suspension held back only after a throttle (300 ms): opening a
 * project took that long more than its data did.
 */
export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): { View: ComponentType<P>; preload(): void } {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<{ default: ComponentType<P> }> | null = null;
  const fetchIt = () =>
    (loading ??= load().then((component) => {
      loaded = component;
      return { default: component };
    }));
  const Lazy = lazy(fetchIt);
  function View(props: P) {
    // Chosen once per mount, so a view that mounted while loading is not mounted again when the code arrives.
    const [Chosen] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return <Chosen {...props} />;
  }
  return {
    View,
    preload: () => {
      // A failed fetch is retried by the next preload or render, which then reports it.
      fetchIt().catch(() => (loading = null));
    },
  };
}
