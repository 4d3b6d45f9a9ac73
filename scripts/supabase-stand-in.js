// `npm run supabase:stand-in`: the tests' Supabase stand-in (real PostgreSQL with the migrations, GoTrue, PostgREST,
// Storage and Realtime subsets) on 127.0.0.1, for trying the app's sync by hand. Runs until Ctrl+C.
// Options: SUPABASE_STAND_IN_PORT (default: any free port), SUPABASE_STAND_IN_LATENCY_MS, DATABASE_URL.
import { runnerImport } from 'vite';

const { module } = await runnerImport('./electron/test-support/supabase/stand-in.ts', { configFile: false, logLevel: 'error' });
const started = performance.now();
const standIn = await module.startSupabaseStandIn({
  port: Number(process.env.SUPABASE_STAND_IN_PORT ?? 0),
  latencyMs: Number(process.env.SUPABASE_STAND_IN_LATENCY_MS ?? 0),
});
console.log(`Supabase stand-in ready in ${Math.round(performance.now() - started)} ms`);
console.log(`URL:      ${standIn.url}`);
console.log(`anon key: ${standIn.anonKey}`);
console.log('Press Ctrl+C to stop.');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await standIn.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
