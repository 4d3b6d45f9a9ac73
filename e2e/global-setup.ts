import { existsSync } from 'node:fs';
import { chooseLauncher } from './fixtures';

export default function globalSetup(): void {
  const launcher = chooseLauncher();
  if (!existsSync('out/main/cli.js')) throw new Error('Build first: npm run build');
  console.log(`e2e launcher: ${launcher.name}${launcher.name === 'browser-host' ? ' (stillframe serve, driven in Chromium)' : ' (Playwright _electron)'}`);
}
