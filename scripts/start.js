// `npm start`: builds, then opens the app on its default library. Where Electron's binary is missing and cannot be
// downloaded, it serves the same app to a browser instead, and says so in one line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const bin = (name) => path.join('node_modules', '.bin', name);
const electronDir = path.resolve('node_modules', 'electron');

/** The installed Electron binary, found the way `require('electron')` finds it, but without its download attempt. */
function installedElectron() {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(electronDir, 'dist');
  const binary = path.join(dist, relative);
  return existsSync(binary) ? binary : null;
}

/** Tries Electron's own installer once, quietly; returns why it failed in a person's words, or null on success. */
function downloadElectron() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set, so its binary was never downloaded';
  const install = path.join(electronDir, 'install.js');
  if (!existsSync(install)) return 'the electron package is not installed (run npm install)';
  const result = spawnSync(process.execPath, [install], { encoding: 'utf8', timeout: 120_000 });
  if (result.status === 0 && installedElectron()) return null;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (/fetch failed|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|getaddrinfo/i.test(output) || result.error) {
    return 'its download from github.com could not be reached';
  }
  return 'its download failed';
}

const build = spawnSync(bin('electron-vite'), ['build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let electron = installedElectron();
let why = null;
if (!electron) {
  why = downloadElectron();
  electron = why === null ? installedElectron() : null;
}

const extra = process.argv.slice(2);
const port = process.env.PORT ?? '5183';
if (!electron) {
  console.log(`Electron cannot start (${why ?? 'its binary is missing'}), so Stillframe runs in your browser instead: open the address below.`);
}
const child = electron
  ? spawn(electron, ['.', ...extra], { stdio: 'inherit' })
  : spawn(process.execPath, ['out/main/cli.js', 'serve', '--port', port, ...extra], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
