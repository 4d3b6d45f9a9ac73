#!/usr/bin/env node
// The `stillframe` command. Its library store uses node:sqlite, which needs Node 24 (the version Electron ships).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `stillframe needs Node.js 24 or later; this is ${process.version}.\n` +
      'Inside the project, `npx stillframe` and npm scripts use the Node 24 that `npm ci` installs.\n',
  );
  process.exit(2);
}
// Each run is a new process that would otherwise compile the same bundle again; the cache lives in the OS temp folder.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
try {
  await import('../out/main/cli.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('out/main/cli.js')) {
    process.stderr.write('stillframe is not built yet: run `npm run build` first.\n');
    process.exit(2);
  }
  throw error;
}
