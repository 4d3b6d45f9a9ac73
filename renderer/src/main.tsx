import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectWebSocketBridge } from './bridge/websocket-bridge';
import './styles.css';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  try {
    if (!window.stillframe) window.stillframe = await connectWebSocketBridge(window.location);
  } catch (error) {
    root.render(
      <main className="fatal" role="alert">
        <h1>Stillframe cannot reach its library</h1>
        <p>{error instanceof Error ? error.message : String(error)}</p>
      </main>,
    );
    return;
  }
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void boot();
