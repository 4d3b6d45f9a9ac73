import { connectWebSocketBridge } from './bridge/websocket-bridge';
import { prefetchPlace } from './place-prefetch';
import { useApp } from './state/store';
import './styles.css';

// React and the views are a chunk of their own, which the page fetches along with this script (see preloadShell in
// electron.vite.config.ts) and runs once the first screen's calls are on their way, so that the host answers them
// meanwhile: run before, it held up the connection, and the project list's calls left only after it.
const shell = () => import('./shell');

async function boot(): Promise<void> {
  const fatal = (message: string) => void shell().then((loaded) => loaded.showFatal(message));
  try {
    if (!window.stillframe) window.stillframe = await connectWebSocketBridge(window.location, fatal);
  } catch (error) {
    fatal(error instanceof Error ? error.message : String(error));
    return;
  }
  const { loadProjects, loadQueue, showError } = useApp.getState();
  loadProjects().catch(showError);
  prefetchPlace(useApp.getState().route);
  loadQueue().catch(showError);
  (await shell()).mountApp();
}

void boot();
