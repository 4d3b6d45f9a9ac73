import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadPath } from '../../shared/host-protocol';
import { skipReasons } from '../../shared/formats/dataset';
import { seedProject } from '../datasets/test-fixture';
import { apiClient } from '../test-support/api-client';
import { openTestServices } from '../test-support/temp-library';
import { startBrowserHost, type BrowserHost } from './browser-host';

const hosts: BrowserHost[] = [];
afterEach(async () => {
  while (hosts.length > 0) await hosts.pop()?.close();
});

function fetchTo(url: string, file: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        writeFileSync(file, Buffer.concat(chunks));
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      });
    })
      .on('error', reject)
      .end();
  });
}

describe('the browser host’s export downloads', () => {
  it('say first what they leave out, then stream the prepared .zip once, to the page with the token only', async () => {
    const services = openTestServices();
    const { project } = await seedProject(services);
    const { invoke } = apiClient(services);
    const rendererDir = mkdtempSync(path.join(tmpdir(), 'sf-renderer-'));
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Stillframe</title>');
    const host = await startBrowserHost(services, { port: 0, rendererDir });
    hosts.push(host);

    const preview = await invoke('datasets.preview', { projectId: project.id });
    expect(preview.frames).toBe(6);
    expect(preview.shapes).toBeGreaterThan(preview.unlabelled);

    const prepared = await invoke('datasets.prepareDownload', { projectId: project.id, format: 'coco' });
    expect(prepared.fileName).toMatch(/-coco\.zip$/);
    // The count said before the export is the one the export then leaves out.
    const leftOut = prepared.summary.skipped.find((entry) => entry.reason === skipReasons.unlabelled('COCO'));
    expect(preview.unlabelled).toBeGreaterThan(0);
    expect(leftOut?.count).toBe(preview.unlabelled);
    const origin = `http://127.0.0.1:${host.port}`;
    const out = mkdtempSync(path.join(tmpdir(), 'sf-download-'));
    const zip = path.join(out, prepared.fileName);

    expect((await fetchTo(`${origin}${downloadPath(prepared.downloadId)}`, zip)).status).toBe(403);
    const sent = await fetchTo(`${origin}${downloadPath(prepared.downloadId)}?token=${host.token}`, zip);
    expect(sent.status).toBe(200);
    expect(sent.headers['content-type']).toBe('application/zip');
    expect(Number(sent.headers['content-length'])).toBe(prepared.bytes);
    expect(String(sent.headers['content-disposition'])).toContain(`filename="${prepared.fileName}"`);
    const coco = JSON.parse(spawnSync('unzip', ['-p', zip, 'annotations/instances.json'], { encoding: 'utf8' }).stdout) as {
      images: { video: string; timestamp_ms: number; frame_index: number }[];
    };
    expect(coco.images).toHaveLength(6);
    for (const image of coco.images) expect(image.video).toMatch(/\.(mp4|mkv)$/);

    // Sent once, then gone; a made-up id finds nothing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetchTo(`${origin}${downloadPath(prepared.downloadId)}?token=${host.token}`, path.join(out, 'again'))).status).toBe(404);
    expect((await fetchTo(`${origin}${downloadPath('../../etc/passwd')}?token=${host.token}`, path.join(out, 'bad'))).status).toBe(404);
  });
});
