import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli';

const here = path.dirname(fileURLToPath(import.meta.url));

// A reader that stops early (`stillframe frames | head`) closes the pipe under us: end quietly, as Unix tools do on
// SIGPIPE, instead of dying on the unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  rendererDir: path.resolve(here, '../renderer'),
  datasetWorker: path.join(here, 'dataset-worker.js'),
  untilInterrupted: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
});
// Everything the command opened is closed by now, but realtime-js's disconnect leaves a 10 s timer it never clears,
// which would hold a signed-in `serve` open that long after Ctrl+C. Exit once the output is written.
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
