import { connectWebSocketBridge } from './bridge/websocket-bridge';
import { prefetchPlace } from './place-prefetch';
import { useApp } from './state/store';
import './styles.css';

// React and the views are a chunk of their own, fetched and compiled while the bridge connects and the first screen's
// data is on its way: one after the other, script start-up and waiting for the host were most of the project list's
// time.
const shell = import('./shell');

async function boot(): Promise<void> {
  const fatal = (message: string) => void shell.then((loaded) => loaded.showFatal(message));
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
  (await shell).mountApp();
}

void boot();
