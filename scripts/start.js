// `npm start`: builds, then opens the app on its default library. Where Electron's binary is missing (it could
// not be downloaded), it serves the same app to a browser instead and says so.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const bin = (name) => path.join('node_modules', '.bin', name);
const build = spawnSync(bin('electron-vite'), ['build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let electron = null;
try {
  const binary = createRequire(import.meta.url)('electron');
  if (typeof binary === 'string' && existsSync(binary)) electron = binary;
} catch {
  electron = null;
}

const extra = process.argv.slice(2);
const child = electron
  ? spawn(electron, ['.', ...extra], { stdio: 'inherit' })
  : (console.log('Electron is not installed on this machine, so Stillframe runs in your browser instead.'),
    spawn(process.execPath, ['out/main/cli.js', 'serve', '--port', process.env.PORT ?? '5183', ...extra], { stdio: 'inherit' }));
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
