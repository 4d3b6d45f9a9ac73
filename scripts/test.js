// `npm test`: lint, type-check, build, unit and integration tests (Vitest), end-to-end tests (Playwright), then one
// summary line totalled over every runner, so a run that executed nothing can never look green.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const outDir = '.test-output';
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const bin = (name) => path.join('node_modules', '.bin', name);

function run(label, command, args, env = {}) {
  console.log(`\n=== ${label}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function check(label, command, args) {
  const ok = run(label, command, args);
  if (ok) totals.passed++;
  else totals.failed++;
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

check('lint', bin('eslint'), ['.', '--max-warnings=0']);
check('type-check (Node side)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
check('type-check (renderer)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
check('type-check (end-to-end tests)', bin('tsc'), ['-p', 'tsconfig.e2e.json', '--noEmit']);
const built = check('build', bin('electron-vite'), ['build']);

const vitestReport = path.join(outDir, 'vitest.json');
const vitestOk = run('unit and integration tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]);
const vitest = readJson(vitestReport);
if (vitest) {
  totals.passed += vitest.numPassedTests;
  totals.failed += vitest.numFailedTests;
  totals.skipped += vitest.numPendingTests + vitest.numTodoTests;
  if (!vitestOk && vitest.numFailedTests === 0) totals.failed++;
} else {
  totals.failed++;
}

if (built) {
  const playwrightReport = path.join(outDir, 'playwright.json');
  const e2eOk = run('end-to-end tests', bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport });
  const e2e = readJson(playwrightReport);
  if (e2e?.stats) {
    totals.passed += e2e.stats.expected + e2e.stats.flaky;
    totals.failed += e2e.stats.unexpected;
    totals.skipped += e2e.stats.skipped;
    if (!e2eOk && e2e.stats.unexpected === 0) totals.failed++;
  } else {
    totals.failed++;
  }
} else {
  console.log('\nEnd-to-end tests not run: the build failed.');
  totals.failed++;
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed === 0 && totals.passed > 0 ? 0 : 1;
