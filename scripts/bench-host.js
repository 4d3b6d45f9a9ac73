// Shared by the benchmarks that drive the app in Chromium: starts `stillframe serve` on a library.
import { spawn } from 'node:child_process';
import path from 'node:path';

export const cli = path.resolve('out/main/cli.js');

/** Resolves with the host process and the URL (token included) that it printed. */
export function startHost(library) {
  const child = spawn(process.execPath, [cli, 'serve', '--library', library, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      const match = /Open (\S+)/.exec(String(chunk));
      if (match) resolve({ child, url: match[1] });
    });
  });
}
