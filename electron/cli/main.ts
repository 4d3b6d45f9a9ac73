import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli';

const here = path.dirname(fileURLToPath(import.meta.url));

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
process.exitCode = code;
