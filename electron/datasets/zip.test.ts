import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempLibraryDir } from '../test-support/temp-library';
import { ZipWriter } from './zip';

const unzip = (...args: string[]) => spawnSync('unzip', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

describe('the store-only zip writer', () => {
  it('writes entries that unzip reads back byte for byte, streamed in chunks, with UTF-8 names', async () => {
    const file = path.join(tempLibraryDir(), 'a.zip');
    const zip = await ZipWriter.create(file, new Date(2024, 4, 17, 13, 45, 30));
    const big = Buffer.alloc(300_000, 7);
    await zip.add('images/ölflasche.jpg', (async function* () {
      yield big.subarray(0, 100_000);
      yield big.subarray(100_000);
    })());
    await zip.add('labels/empty.txt', []);
    await zip.add('data.yaml', [Buffer.from('names:\n  0: "交通 light"\n')]);
    await zip.close();

    expect(unzip('-t', file).stdout).toContain('No errors detected in compressed data');
    expect(unzip('-p', file, 'data.yaml').stdout).toBe('names:\n  0: "交通 light"\n');
    expect(Buffer.from(unzip('-p', file, 'images/ölflasche.jpg').stdout, 'latin1')).toHaveLength(300_000);
    const listing = unzip('-Z', '-l', file).stdout;
    expect(listing).toMatch(/-rw-r--r-- .* 300000 b- +300000 stor 24-May-17 13:45 images\/ölflasche\.jpg/);
    expect(listing).toContain('3 files');
    // Store only: the archive is the data plus headers.
    expect(readFileSync(file).length).toBeLessThan(300_000 + 400);
  });

  it('switches to ZIP64 end records past 65,535 entries', async () => {
    const file = path.join(tempLibraryDir(), 'many.zip');
    const zip = await ZipWriter.create(file);
    const count = 65_600;
    for (let i = 0; i < count; i++) await zip.add(`labels/${i}.txt`, [Buffer.from(String(i))]);
    await zip.close();
    const tested = unzip('-tq', file);
    expect(tested.stdout).toContain('No errors detected');
    expect(unzip('-p', file, 'labels/65599.txt').stdout).toBe('65599');
    expect(unzip('-Z1', file).stdout.split('\n').filter(Boolean)).toHaveLength(count);
  });
});
