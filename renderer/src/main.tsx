import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectWebSocketBridge } from './bridge/websocket-bridge';
import './styles.css';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  const fatal = (message: string) =>
    root.render(
      <main className="fatal" role="alert">
        <h1>Stillframe cannot reach its library</h1>
        <p>{message}</p>
      </main>,
    );
  try {
    if (!window.stillframe) window.stillframe = await connectWebSocketBridge(window.location, fatal);
  } catch (error) {
    fatal(error instanceof Error ? error.message : String(error));
    return;
  }
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void boot();
