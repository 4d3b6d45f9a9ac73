/**
 * Has a worker load the locale's number and date data while the page loads its scripts and connects. On the page's own
 * thread the first Intl formatter of a fresh renderer process took 12–60 ms, inside the project list's first render;
 * once a worker has made one, the page's own are made in well under a millisecond, as ICU's caches are the process's.
 */
export function warmUpLocale(): void {
  try {
    new Worker(new URL('./locale-warmup.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    // No worker (a policy that refuses it): the page loads the locale's data itself when it first formats, as before.
  }
}
