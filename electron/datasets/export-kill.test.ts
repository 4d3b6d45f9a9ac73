import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtCli } from '../test-support/built-cli';
import { cvatExport } from '../test-support/cvat-export';
import { tempLibraryDir } from '../test-support/temp-library';

const imageCount = 240;

/** A library with one project of 240 real 1280×720 frames, one box each, imported from a CVAT export. */
function library(): string {
  const libraryDir = tempLibraryDir();
  const imported = spawnSync(process.execPath, [builtCli, 'import', '--library', libraryDir, '--project', 'Signs', '--format', 'cvat', '--from', cvatExport(imageCount)], { encoding: 'utf8' });
  expect(imported.status, imported.stderr).toBe(0);
  return libraryDir;
}

const staging = (name: string) => name.startsWith('.stillframe-export-');

/** What the person sees in the folder: every file below it, and data.yaml's text, leaving out our staging folder. */
function visible(out: string): string {
  const files = readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(out, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((file) => !staging(file))
    .sort();
  const yaml = existsSync(path.join(out, 'data.yaml')) ? readFileSync(path.join(out, 'data.yaml'), 'utf8') : '';
  return `${files.join('\n')}\n${yaml}`;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waited a minute for the export to begin writing');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('an export over an earlier one, killed part way', () => {
  it('leaves the whole old dataset or the whole new one once the library starts again after a real SIGKILL, and the next export runs cleanly', async () => {
    expect(existsSync(builtCli), 'build first: electron-vite build').toBe(true);
    const libraryDir = library();
    const out = path.join(tempLibraryDir(), 'dataset');
    const run = (args: string[]) => [builtCli, 'export', '--library', libraryDir, '--project', 'Signs', '--format', 'yolo', '--out', out, '--force', ...args];
    // The old dataset is split train/val, the new one is not: every entry (images/, labels/, data.yaml) differs.
    const oldArgs = run(['--val-ratio', '0.5']);
    const newArgs = run([]);
    const exportOk = (args: string[]) => {
      const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
    };
    exportOk(oldArgs);
    const oldDataset = visible(out);
    const started = Date.now();
    exportOk(newArgs);
    const wholeMs = Date.now() - started;
    const newDataset = visible(out);
    expect(newDataset).not.toBe(oldDataset);

    const seen = new Set<string>();
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      exportOk(oldArgs);
      const child = spawn(process.execPath, newArgs, { stdio: 'ignore' });
      let ended = false;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve())).then(() => {
        ended = true;
      });
      // Spread over the time a whole export takes here, so kills land in its start, its copying and its commit. Every
      // other round first waits for the staging folder, so a machine slower now than when it was timed still kills
      // some exports after they began writing.
      if (round % 2 === 1) await until(() => ended || readdirSync(out).some(staging));
      await new Promise((resolve) => setTimeout(resolve, (wholeMs * (round + Math.random())) / rounds));
      child.kill('SIGKILL');
      await exited;

      const left = readdirSync(out).filter(staging);
      if (left.length > 0) seen.add('staging left');
      const after = visible(out);
      // Only a kill inside the commit's few renames may show a mix, and its staging folder then says the commit began.
      if (after !== oldDataset && after !== newDataset) {
        expect(left.some((name) => existsSync(path.join(out, name, '.complete')))).toBe(true);
      }
      // Starting the library again (here its queue, as the app does at start) settles the folder, with no export.
      const started = spawnSync(process.execPath, [builtCli, 'jobs', 'run', '--library', libraryDir], { encoding: 'utf8' });
      expect(started.status, started.stderr).toBe(0);
      const settled = visible(out);
      expect([oldDataset, newDataset]).toContain(settled);
      expect(readdirSync(out).filter(staging)).toEqual([]);
      seen.add(settled === oldDataset ? 'old' : 'new');

      exportOk(newArgs);
      expect(visible(out)).toBe(newDataset);
      expect(readdirSync(out).filter(staging)).toEqual([]);
    }
    console.log(`export kill test: whole export ${wholeMs} ms, ${rounds} kills, seen: ${[...seen].join(', ')}`);
    // Kills that never land before the commit, or never leave a staging folder, prove nothing.
    expect(seen.has('old')).toBe(true);
    expect(seen.has('staging left')).toBe(true);
  }, 300_000);
});
