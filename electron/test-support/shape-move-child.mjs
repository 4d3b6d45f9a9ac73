// Run by shape-move-kill.test.ts: moves the given frame's shapes 1 px right with shapes.move's library function, one
// move after another, saying "moved" on stdout after each commit, until the test's SIGKILL lands in one of them.
// Usage: node shape-move-child.mjs DB FRAME_ID
import process from 'node:process';
import { createServer } from 'vite';

const [file, frameId] = process.argv.slice(2);
const vite = await createServer({ configFile: false, root: process.cwd(), logLevel: 'error', appType: 'custom', server: { middlewareMode: true, hmr: false, ws: false } });
const { openDatabase } = await vite.ssrLoadModule('/electron/library/database.ts');
const { listShapes, moveShapes } = await vite.ssrLoadModule('/electron/library/annotations.ts');
const { uuidv7 } = await vite.ssrLoadModule('/shared/ids.ts');
const db = openDatabase(file);
const ids = listShapes(db, frameId).map((shape) => shape.id);
for (;;) {
  moveShapes(db, { moveId: uuidv7(), frameId, ids, dx: 1, dy: 0 });
  process.stdout.write('moved\n');
}
