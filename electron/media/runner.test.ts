import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { StillframeError } from '../../shared/errors';
import { resolveFfmpeg } from './binaries';
import { runTool } from './runner';

// Node itself stands in for FFmpeg where the test is about process handling rather than video.
const node = process.execPath;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runTool', () => {
  it('runs FFmpeg with an argument array and hands back its output', async () => {
    const lines: string[] = [];
    const result = await runTool(resolveFfmpeg(), ['-hide_banner', '-version'], { onStdoutLine: (l) => lines.push(l) });
    expect(result.code).toBe(0);
    expect(lines[0]).toMatch(/^ffmpeg version /);
    expect(result.stdout.split('\n')[0]).toBe(lines[0]);
  });

  it('passes arguments through untouched, with no shell in between', async () => {
    const tricky = ['$HOME', '"quoted"', "it's", 'a b', '; rm -rf /', '%06d', '*'];
    const result = await runTool(node, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...tricky]);
    expect(JSON.parse(result.stdout)).toEqual(tricky);
  });

  it('splits lines on \\n, \\r\\n and bare \\r, even across chunks', async () => {
    const script = `
      const write = (s) => new Promise((r) => process.stderr.write(s, r));
      (async () => {
        await write('one\\r');
        await new Promise((r) => setTimeout(r, 30));
        await write('\\ntwo\\rthree\\npartial');
        await new Promise((r) => setTimeout(r, 30));
        await write(' end');
      })();`;
    const lines: string[] = [];
    await runTool(node, ['-e', script], { onStderrLine: (l) => lines.push(l) });
    expect(lines).toEqual(['one', 'two', 'three', 'partial end']);
  });

  it('keeps only the last 64 KB of stderr', async () => {
    const script = `for (let i = 0; i < 5000; i++) process.stderr.write('line ' + String(i).padStart(5, '0') + ' ' + 'x'.repeat(80) + '\\n');`;
    let count = 0;
    const result = await runTool(node, ['-e', script], { onStderrLine: () => count++ });
    expect(count).toBe(5000);
    expect(result.stderrTail.length).toBeLessThanOrEqual(64 * 1024);
    expect(result.stderrTail.length).toBeGreaterThan(60 * 1024);
    expect(result.stderrTail).toContain('line 04999');
    expect(result.stderrTail).not.toContain('line 00000');
  });

  it('reports the exit code instead of rejecting', async () => {
    const result = await runTool(node, ['-e', 'process.stderr.write("bad"); process.exit(3)']);
    expect(result).toMatchObject({ code: 3, stderrTail: 'bad' });
  });

  it('kills the process when the signal fires and rejects with "cancelled"', async () => {
    const controller = new AbortController();
    let pid = 0;
    const run = runTool(node, ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)'], {
      signal: controller.signal,
      onStdoutLine: (line) => {
        pid = Number(line);
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid)).toBe(false);
  });

  it('falls back to SIGKILL when the process ignores SIGTERM', async () => {
    const controller = new AbortController();
    let pid = 0;
    const script = 'process.on("SIGTERM", () => {}); console.log(process.pid); setInterval(() => {}, 1000)';
    const started = Date.now();
    const run = runTool(node, ['-e', script], {
      signal: controller.signal,
      onStdoutLine: (line) => {
        pid = Number(line);
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(isRunning(pid)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('does not start anything when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const marker = `never-started-${process.pid}`;
    await expect(runTool(node, ['-e', '0', marker], { signal: controller.signal })).rejects.toMatchObject({
      code: 'cancelled',
    });
    if (process.platform !== 'win32') {
      expect(execFileSync('ps', ['-A', '-o', 'args='], { encoding: 'utf8' })).not.toContain(marker);
    }
  });

  it('reports a binary that is not there as "ffmpeg-missing"', async () => {
    const error: unknown = await runTool('/nonexistent/ffmpeg', ['-version']).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StillframeError);
    expect(error).toMatchObject({ code: 'ffmpeg-missing' });
  });

  it('stops the process and rejects when a line callback throws', async () => {
    const run = runTool(node, ['-e', 'console.log("hello"); setInterval(() => {}, 1000)'], {
      onStdoutLine: () => {
        throw new Error('parser broke');
      },
    });
    await expect(run).rejects.toThrow('parser broke');
  });
});
