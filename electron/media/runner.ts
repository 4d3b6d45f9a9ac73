import { spawn, type ChildProcess } from 'node:child_process';
import { StillframeError } from '../../shared/errors';
import { ffmpegMissingMessage } from './binaries';

export interface RunOptions {
  signal?: AbortSignal;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderrTail: string;
}

const stderrTailChars = 64 * 1024;
/** FFmpeg finalises its outputs on SIGTERM, which normally takes milliseconds; a wedged decoder gets SIGKILL. */
const killGraceMs = 1000;

export function cancelledError(): StillframeError {
  return new StillframeError('cancelled', 'The operation was cancelled.');
}

/**
 * Splits a text stream into lines. FFmpeg ends some lines with a bare \r, so that counts as a break too; a \r at the
 * very end of a chunk is held back in case the next chunk starts with the \n of a \r\n pair.
 */
class LineSplitter {
  private pending = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(text: string): void {
    const parts = (this.pending + text).split(/\r\n|\n|\r(?!$)/);
    this.pending = parts.pop() ?? '';
    for (const part of parts) this.emit(part);
  }

  end(): void {
    const rest = this.pending.replace(/\r$/, '');
    this.pending = '';
    if (rest !== '') this.emit(rest);
  }
}

/**
 * FFmpeg outlives a parent that is killed: it ignores SIGPIPE and a closed stdin, and would go on writing frames for
 * as long as the video lasts. So each run gets a watchdog, a shell blocked reading a pipe that only this process
 * holds; the kernel closes it when this process dies, however it dies, and the shell then kills the tool. A run that
 * ends normally kills its watchdog instead. Windows has no such shell; there the tool is left to finish.
 */
function watchdogFor(pid: number | undefined): ChildProcess | null {
  if (pid === undefined || process.platform === 'win32') return null;
  const watchdog = spawn('/bin/sh', ['-c', 'read _; kill -KILL "$1" 2>/dev/null', 'stillframe-watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  return watchdog;
}

/** The one place that starts FFmpeg or FFprobe: an argument array, never a shell, so file names need no quoting. */
export function runTool(binary: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal, onStdoutLine, onStderrLine } = options;
  if (signal?.aborted) return Promise.reject(cancelledError());

  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const watchdog = watchdogFor(child.pid);

    let stdout = '';
    let stderrTail = '';
    let cancelled = false;
    let callbackError: unknown;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const stop = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };

    const guarded = (callback: ((line: string) => void) | undefined) => (line: string) => {
      if (callback === undefined || callbackError !== undefined) return;
      try {
        callback(line);
      } catch (error) {
        callbackError = error;
        stop();
      }
    };

    const stdoutLines = new LineSplitter(guarded(onStdoutLine));
    const stderrLines = new LineSplitter(guarded(onStderrLine));

    const onAbort = (): void => {
      cancelled = true;
      stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (): void => {
      settled = true;
      watchdog?.kill('SIGKILL');
      signal?.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
    };

    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout += text;
      stdoutLines.push(text);
    });
    child.stderr.on('data', (text: string) => {
      // Trim in large steps so a chatty process does not cost a string copy per chunk.
      stderrTail += text;
      if (stderrTail.length > 2 * stderrTailChars) stderrTail = stderrTail.slice(-stderrTailChars);
      stderrLines.push(text);
    });

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled || child.pid !== undefined) return;
      finish();
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        reject(new StillframeError('ffmpeg-missing', ffmpegMissingMessage, `${binary}: ${error.message}`));
      } else {
        reject(error);
      }
    });

    child.on('close', (code) => {
      if (settled) return;
      finish();
      stdoutLines.end();
      stderrLines.end();
      if (cancelled) reject(cancelledError());
      else if (callbackError !== undefined) reject(callbackError);
      else resolve({ code, stdout, stderrTail: stderrTail.slice(-stderrTailChars) });
    });
  });
}
