// Run by bulk-write.test.ts's kill test: writes `count` frames (after its frame 1) with two shapes each through the
// bulk writer, into the library's one video. At frame `stopAt` it says so on stdout and waits, inside the
// transaction, for the test's SIGKILL: the whole write takes less time than the test takes to read a line.
// Usage: node bulk-write-child.mjs DB VIDEO_ID BATCH_ID LABEL_ID COUNT STOP_AT
import process from 'node:process';
import { createServer } from 'vite';

const [file, videoId, batchId, labelId, count, stopAt] = process.argv.slice(2);
const vite = await createServer({ configFile: false, root: process.cwd(), logLevel: 'error', appType: 'custom', server: { middlewareMode: true, hmr: false, ws: false } });
const { openDatabase } = await vite.ssrLoadModule('/electron/library/database.ts');
const { bulkWrite } = await vite.ssrLoadModule('/electron/library/bulk-write.ts');
const { uuidv7 } = await vite.ssrLoadModule('/shared/ids.ts');
const db = openDatabase(file);
bulkWrite(db, { outbox: true, liftTriggers: true }, (writer) => {
  for (let i = 1; i <= Number(count); i++) {
    const frameId = uuidv7();
    writer.frame({ id: frameId, videoId, batchId, index: i + 1, timestampMs: i * 40, width: 640, height: 360, path: `f/${i}.jpg`, thumbPath: `t/${i}.jpg` });
    for (let k = 0; k < 2; k++) {
      writer.shape({ id: uuidv7(), frameId, labelId, type: 'rectangle', points: [k, k, 10 + k, 10 + k], note: '', attributes: {}, hidden: false, locked: false, zIndex: k });
    }
    if (i === Number(stopAt)) {
      process.stdout.write(`${i}\n`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    }
  }
});
db.close();
process.stdout.write('done\n');
await vite.close();
