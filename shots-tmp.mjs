import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
const host = spawn(process.execPath, ['out/main/cli.js', 'serve', '--library', '/tmp/tmp.Avx5oRn6nG', '--port', '0'], { env: { ...process.env, SUPABASE_URL: 'http://127.0.0.1:34483', SUPABASE_ANON_KEY: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InN0YW5kLWluIiwicm9sZSI6ImFub24iLCJpYXQiOjE3OTYxMTUxMTksImV4cCI6MjExMTQ3NTExOX0.yhDtn_KghE2M8TKstYoXj-NCcInjEX_mJvnrn_c__zk' }, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => { let t = ''; host.stdout.on('data', (c) => { t += c; const m = /Open (http:\/\/\S+)/.exec(t); if (m) resolve(m[1]); }); });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu','--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
await page.goto(url);
await page.getByRole('button', { name: 'Cloud sync' }).click();
await page.screenshot({ path: '/tmp/shot2-sync-dialog.png' });
const dialog = page.getByRole('dialog');
await dialog.getByLabel('Email').fill('ana@example.com');
await dialog.getByLabel('Password').fill('correct-horse-battery');
await dialog.getByRole('button', { name: /Sign in/ }).first().click();
await page.waitForTimeout(1500);
await page.screenshot({ path: '/tmp/shot2-signed-in.png' });
await page.keyboard.press('Escape');
await page.getByRole('button', { name: /^Parking/ }).first().click();
await page.waitForTimeout(800);
const link = page.getByRole('button', { name: /with the cloud/ });
if (await link.count()) { await link.first().click(); await page.waitForTimeout(2500); }
await page.screenshot({ path: '/tmp/shot2-project-1280.png' });
const share = page.getByRole('button', { name: /^Share/ });
if (await share.count()) { await share.first().click(); await page.waitForTimeout(800); await page.screenshot({ path: '/tmp/shot2-share-1280.png' }); await page.keyboard.press('Escape'); }
await page.setViewportSize({ width: 2560, height: 1440 });
await page.waitForTimeout(500);
await page.screenshot({ path: '/tmp/shot2-project-2560.png' });
await browser.close(); host.kill();
