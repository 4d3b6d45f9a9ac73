import { runCli } from '../cli/cli';

/** Runs one `stillframe` command in this process, capturing what it prints and its exit code. */
export async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env,
    rendererDir: '/nonexistent',
    untilInterrupted: () => Promise.resolve(),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
