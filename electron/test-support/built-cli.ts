import { spawn } from 'node:child_process';
import path from 'node:path';

/** The built `stillframe` command that kill tests run as a child, so a SIGKILL ends a real process. */
export const builtCli = path.resolve(import.meta.dirname, '../../out/main/cli.js');

/**
 * Runs the built `stillframe` in a child process and waits for it to end. Never spawnSync: a test serving the
 * Supabase stand-in from its own process would stall it while the child waits on it.
 */
export function runBuiltCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [builtCli, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
