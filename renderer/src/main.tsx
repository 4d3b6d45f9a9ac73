import { connectWebSocketBridge } from './bridge/websocket-bridge';
import { warmUpLocale } from './locale-warmup';
import { prefetchPlace } from './place-prefetch';
import { useApp } from './state/store';
import './styles.css';

// React and the views are a chunk of their own, which the page fetches along with this script (see preloadShell in
// electron.vite.config.ts). It runs while the page connects: by then the project list's data has been asked for over
// HTTP and the WebSocket started (both before connectWebSocketBridge's first await returns; a dynamic import runs in a
// later task), so the host answers them while React loads. The app mounts without waiting for the socket.
const shell = () => import('./shell');

async function boot(): Promise<void> {
  warmUpLocale();
  const fatal = (message: string) => void shell().then((loaded) => loaded.showFatal(message));
  const connecting = window.stillframe ? null : connectWebSocketBridge(window.location, fatal);
  const loadingShell = shell();
  try {
    if (connecting) window.stillframe = await connecting;
  } catch (error) {
    fatal(error instanceof Error ? error.message : String(error));
    return;
  }
  const { loadProjects, loadQueue, showError } = useApp.getState();
  loadProjects().catch(showError);
  prefetchPlace(useApp.getState().route);
  loadQueue().catch(showError);
  (await loadingShell).mountApp();
}

void boot();
