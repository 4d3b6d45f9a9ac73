import { afterAll, beforeAll } from 'vitest';
import { supabaseForTests, type TestSupabase } from './stand-in';

/** Starts one Supabase (PostgreSQL and the stand-in) before this test file's tests, hands it over, and stops it after them. */
export function supabaseForThisFile(use: (supabase: TestSupabase) => void): void {
  let supabase: TestSupabase | undefined;
  beforeAll(async () => {
    supabase = await supabaseForTests();
    use(supabase);
  }, 120_000);
  afterAll(async () => {
    await supabase?.stop();
  });
}
