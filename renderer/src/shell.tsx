import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App } from './App';

let root: Root | null = null;
const theRoot = () => (root ??= createRoot(document.getElementById('root') as HTMLElement));

export function mountApp(): void {
  theRoot().render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

export function showFatal(message: string): void {
  theRoot().render(
    <main className="fatal" role="alert">
      <h1>Stillframe cannot reach its library</h1>
      <p>{message}</p>
    </main>,
  );
}
