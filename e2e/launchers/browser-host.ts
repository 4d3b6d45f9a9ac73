import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { Launcher, RunningApp } from './types';

const cli = path.resolve('out/main/cli.js');

async function startHost(libraryDir: string, env: NodeJS.ProcessEnv, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--library', libraryDir, '--port', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stillframe serve did not print its URL:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stillframe serve exited with ${code}:\n${output}`));
    });
  });
  return { child, url };
}

function stopped(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Runs `stillframe serve` and drives it with Playwright's Chromium: the launcher this workplace can run. */
export const browserHostLauncher: Launcher = {
  name: 'browser-host',
  async launch(libraryDir, env = {}) {
    const browser: Browser = await chromium.launch();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    let host = await startHost(libraryDir, env, 0);
    // Later starts reuse the port: the page's origin, and with it its saved edits, stays the same, and with the
    // library's own token an open tab reconnects by itself.
    const port = Number(new URL(host.url).port);
    const page: Page = await context.newPage();
    await page.goto(host.url);

    const stop = async (signal: NodeJS.Signals) => {
      host.child.kill(signal);
      await stopped(host.child);
    };
    const restartWith = async (signal: NodeJS.Signals) => {
      await stop(signal);
      host = await startHost(libraryDir, env, port);
      // A person opens the address the new host printed, as a fresh page: it differs from the open one only in its
      // fragment, which on its own would be a same-page jump, not a load.
      await page.goto('about:blank');
      await page.goto(host.url);
    };

    const app: RunningApp = {
      page,
      libraryDir,
      restart: () => restartWith('SIGTERM'),
      crashAndRestart: () => restartWith('SIGKILL'),
      host: {
        stop: () => stop('SIGTERM'),
        start: async (otherLibraryDir) => {
          host = await startHost(otherLibraryDir ?? libraryDir, env, port);
        },
        url: () => host.url,
      },
      async close() {
        await browser.close();
        host.child.kill('SIGTERM');
        await stopped(host.child);
      },
    };
    return app;
  },
};
