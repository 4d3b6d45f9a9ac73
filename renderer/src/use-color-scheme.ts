import { useSyncExternalStore } from 'react';

const dark = () => window.matchMedia('(prefers-color-scheme: dark)');

function subscribe(onChange: () => void): () => void {
  const query = dark();
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

/**
 * The system's light or dark theme, kept current: what draws with the theme's colours itself (a canvas) redraws
 * when it changes, as CSS does on its own.
 */
export function useColorScheme(): 'light' | 'dark' {
  return useSyncExternalStore(subscribe, () => (dark().matches ? 'dark' : 'light'));
}
