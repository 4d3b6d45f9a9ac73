import { lazyView } from './lazy-view';

/**
 * The project page, a chunk of its own so that the project list (the first screen) has less script to compile. It
 * is fetched once the list is up, or as the pointer comes onto a project, so opening one does not wait for it.
 */
export const projectView = lazyView(async () => (await import('./views/ProjectView')).ProjectView);
