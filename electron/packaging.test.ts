import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface BuilderConfig {
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  mac: { target: string[] };
  win: { target: string[] };
  linux: { target: string[] };
  extends?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|tsx)$/.test(file))
    .map((file) => path.join(dir, file));
}

describe('packaging and Electron configuration (what nobody here can check by launching Electron)', () => {
  const release = parse(read('electron-builder.yml')) as BuilderConfig;
  const testBuild = parse(read('electron-builder.test.yml')) as BuilderConfig;

  it('builds installers for every platform, with FFmpeg and ffprobe outside the asar', () => {
    expect(release.mac.target).toEqual(['dmg', 'zip']);
    expect(release.win.target).toEqual(['nsis']);
    expect(release.linux.target).toEqual(['AppImage', 'deb']);
    expect(release.asarUnpack).toEqual(expect.arrayContaining(['node_modules/ffmpeg-static/**', 'node_modules/@ffprobe-installer/**']));
    expect(existsSync(path.join(root, 'resources', 'icon.png'))).toBe(true);
  });

  it('sets the release fuses, and only test builds let Playwright attach an inspector', () => {
    expect(release.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(testBuild.extends).toBe('./electron-builder.yml');
    expect(testBuild.electronFuses).toEqual({ ...release.electronFuses, enableNodeCliInspectArguments: true });
  });

  it('emits the preload as one CommonJS file that requires nothing but electron', () => {
    const preload = path.join(root, 'out', 'preload', 'preload.cjs');
    expect(existsSync(preload), 'run `npm run build` before the tests').toBe(true);
    const code = readFileSync(preload, 'utf8');
    expect(code).not.toMatch(/^\s*import\s/m);
    const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
  });

  it('opens the window with context isolation, the sandbox and no Node integration', () => {
    const main = read('electron/main.ts');
    expect(main).toMatch(/contextIsolation: true/);
    expect(main).toMatch(/sandbox: true/);
    expect(main).toMatch(/nodeIntegration: false/);
    expect(main).toMatch(/app\.enableSandbox\(\)/);
    expect(main).toMatch(/registerAppSchemes\(\);\s*\n/);
    expect(main.indexOf('registerAppSchemes()')).toBeLessThan(main.indexOf('await app.whenReady()'));
  });

  it('loads the renderer through the app scheme, never file://, with a permission check and a frame navigation guard', () => {
    const main = read('electron/main.ts');
    expect(main).not.toMatch(/loadFile\(|file:/);
    expect(main).toMatch(/loadURL\(rendererUrl \?\? appEntryUrl\)/);
    expect(main).toMatch(/handleAppScheme\(rendererDir, policy\)/);
    expect(main).toMatch(/lockDownSession\(session\.defaultSession\)/);
    expect(read('electron/window-security.ts')).toMatch(/'will-frame-navigate'/);
    // Relative asset paths resolve on stillframe-app://app/ as they did on file://.
    const html = readFileSync(path.join(root, 'out', 'renderer', 'index.html'), 'utf8');
    for (const [, asset] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(asset).toMatch(/^\.\//);
  });

  it('ships the page with a Content-Security-Policy that allows no eval and no remote code', () => {
    const html = read('renderer/index.html');
    const policy = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).not.toMatch(/unsafe-eval|https?:|\*/);
  });

  it('keeps electron out of everything but the Electron-facing files, and Node, DOM and Electron out of shared/', () => {
    const electronFacing = new Set(['electron/main.ts', 'electron/preload.ts', 'electron/media-protocol.ts', 'electron/window-security.ts', 'electron/desktop-notifications.ts']);
    for (const file of [...sourceFiles('electron'), ...sourceFiles('renderer'), ...sourceFiles('shared')]) {
      const imports = [...read(file).matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]);
      if (!electronFacing.has(file)) expect(imports, file).not.toContain('electron');
      if (file.startsWith('shared/')) {
        expect(imports.filter((name) => /^(node:|fs$|path$|os$|react|electron)/.test(name ?? '')), file).toEqual([]);
      }
    }
  });
});
