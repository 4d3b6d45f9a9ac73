import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli';

const here = path.dirname(fileURLToPath(import.meta.url));

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  rendererDir: path.resolve(here, '../renderer'),
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
