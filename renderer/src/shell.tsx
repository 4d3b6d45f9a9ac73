import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App } from './App';

let root: Root | null = null;
const theRoot = () => (root ??= createRoot(document.getElementById('root') as HTMLElement));
/** The app mounts while the page still connects: a failure to connect said first stays on screen. */
let failed = false;

export function mountApp(): void {
  if (failed) return;
  theRoot().render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

export function showFatal(message: string): void {
  failed = true;
  theRoot().render(
    <main className="fatal" role="alert">
      <h1>Stillframe cannot reach its library</h1>
      <p>{message}</p>
    </main>,
  );
}
