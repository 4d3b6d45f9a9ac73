import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
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
 * as long as the video lasts. So this process keeps one watchdog, a shell blocked reading a pipe that only this
 * process holds, and tells it each tool's pid as the tool starts ("+pid") and ends ("-pid"); the kernel closes the
 * pipe when this process dies, however it dies, and the shell then kills every tool still running. One shell for all
 * runs, not one per run: starting a process costs this process milliseconds of its own time (the fork copies its
 * page tables), and with a watchdog per run that doubled the cost of every probe and extraction in a batch of clips.
 * Windows has no such shell; there the tool is left to finish.
 */
const watchdogScript = [
  "pids=' '",
  'while read -r line; do',
  '  case $line in',
  '    +*) pids="$pids${line#+} " ;;',
  '    -*) p=${line#-}; case $pids in *" $p "*) pids="${pids%% $p *} ${pids#* $p }" ;; esac ;;',
  '  esac',
  'done',
  '[ "$pids" = \' \' ] || kill -KILL $pids 2>/dev/null',
].join('\n');

let watchdog: ChildProcess | null = null;

function sharedWatchdog(): ChildProcess | null {
  if (process.platform === 'win32') return null;
  if (watchdog !== null && watchdog.exitCode === null && watchdog.signalCode === null && watchdog.stdin?.writable) return watchdog;
  const started = spawn('/bin/sh', ['-c', watchdogScript, 'stillframe-watchdog'], { stdio: ['pipe', 'ignore', 'ignore'] });
  started.on('error', () => undefined);
  started.stdin?.on('error', () => undefined);
  // Neither the shell nor the pipe to it may keep this process alive: it ends when this process does.
  started.unref();
  (started.stdin as Socket | null)?.unref();
  watchdog = started;
  return started;
}

/** Puts a tool under the watchdog; returns what takes it off again when the tool has ended. */
function watch(pid: number | undefined): () => void {
  const guard = pid === undefined ? null : sharedWatchdog();
  if (guard === null) return () => undefined;
  guard.stdin?.write(`+${pid}\n`);
  return () => {
    if (guard.stdin?.writable) guard.stdin.write(`-${pid}\n`);
  };
}

/** The one place that starts FFmpeg or FFprobe: an argument array, never a shell, so file names need no quoting. */
export function runTool(binary: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal, onStdoutLine, onStderrLine } = options;
  if (signal?.aborted) return Promise.reject(cancelledError());

  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const unwatch = watch(child.pid);

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
      unwatch();
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
