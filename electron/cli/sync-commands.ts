import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { StillframeError } from '../../shared/errors';
import type { SyncRun, SyncStatus } from '../../shared/sync-contract';
import { createSyncHandlers } from '../api/sync-handlers';
import { findProjectByName } from '../library/projects';
import type { Services } from '../services';
import type { CliIO } from './cli';
import { parseFlags } from './flags';

/** Asks for the password on a terminal without echoing it; scripts set STILLFRAME_PASSWORD instead. */
async function askPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new StillframeError('invalid-input', 'Set STILLFRAME_PASSWORD (and STILLFRAME_EMAIL) to sign in from a script.');
  }
  process.stderr.write('Password: ');
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const reader = createInterface({ input: process.stdin, output: muted, terminal: true });
  const password = await new Promise<string>((resolve) => reader.question('', resolve));
  reader.close();
  process.stderr.write('\n');
  return password;
}

/** Settings from SUPABASE_URL / SUPABASE_ANON_KEY are saved, so that a later `stillframe sync` needs neither. */
function saveEnvironmentSettings(services: Services, env: NodeJS.ProcessEnv): void {
  if (env.SUPABASE_URL && env.SUPABASE_ANON_KEY) services.sync.session.saveSettings(env.SUPABASE_URL, env.SUPABASE_ANON_KEY);
}

async function signIn(services: Services, io: CliIO, email: string | undefined): Promise<SyncStatus> {
  const handlers = createSyncHandlers(services);
  const address = email ?? io.env.STILLFRAME_EMAIL;
  if (!address) throw new StillframeError('invalid-input', 'Give --email or set STILLFRAME_EMAIL.');
  const password = io.env.STILLFRAME_PASSWORD ?? (await askPassword());
  return handlers['sync.signIn']({ email: address.trim(), password });
}

/** `stillframe login [--email ADDRESS]` */
export async function loginCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, { email: { type: 'string' } });
  saveEnvironmentSettings(services, io.env);
  const status = await signIn(services, io, values.email);
  if (values.json) io.out(JSON.stringify({ user: status.user }));
  else io.out(`Signed in to ${services.sync.session.settings().url ?? ''} as ${status.user?.email ?? ''}.${services.sync.session.storageKind === 'plain-file' ? ' The session is kept unencrypted in the library folder (supabase-session.UNENCRYPTED.json).' : ''}`);
  return 0;
}

/** `stillframe logout` */
export async function logoutCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  parseFlags(args, {});
  await createSyncHandlers(services)['sync.signOut']({});
  io.out('Signed out; the session is gone from this library.');
  return 0;
}

function describeRun(run: SyncRun, status: SyncStatus): string {
  const lines = [
    `Pushed ${run.pushed} change${run.pushed === 1 ? '' : 's'}, pulled ${run.pulled}, uploaded ${run.uploaded} file${run.uploaded === 1 ? '' : 's'}, downloaded ${run.downloaded}.`,
  ];
  if (run.uploadsFailed > 0) lines.push(`${run.uploadsFailed} file${run.uploadsFailed === 1 ? '' : 's'} failed to upload; they are retried at the next sync.`);
  if (run.rejected > 0) lines.push(`${run.rejected} change${run.rejected === 1 ? ' was' : 's were'} refused by the server: see them in the app's Rejections list.`);
  if (run.conflicts > 0) lines.push(`${run.conflicts} of your edits lost to a delete made elsewhere: see the app's Conflicts list.`);
  if (status.rejections > 0 && run.rejected === 0) lines.push(`${status.rejections} earlier refusal${status.rejections === 1 ? '' : 's'} in the Rejections list.`);
  return lines.join('\n');
}

/**
 * `stillframe sync [--project NAME] [--json]`: signs in from STILLFRAME_EMAIL / STILLFRAME_PASSWORD when signed out,
 * links the named local project (or opens the cloud project of that name), then pushes, pulls and uploads.
 */
export async function syncCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, { project: { type: 'string' } });
  const handlers = createSyncHandlers(services);
  saveEnvironmentSettings(services, io.env);
  if (services.sync.session.storedUser() === null) {
    if (!io.env.STILLFRAME_EMAIL || !io.env.STILLFRAME_PASSWORD) {
      throw new StillframeError('sign-in-required', 'Sign in first with `stillframe login`, or set STILLFRAME_EMAIL and STILLFRAME_PASSWORD.');
    }
    await signIn(services, io, undefined);
  }
  let projectId: string | undefined;
  if (values.project !== undefined) {
    const local = findProjectByName(services.db, values.project);
    if (local) {
      projectId = local.id;
      const { projects } = await handlers['sync.status']({});
      if (projects.find((item) => item.projectId === local.id)?.state === 'local') await handlers['sync.linkProject']({ projectId });
    } else {
      const cloud = (await handlers['sync.cloudProjects']({})).find((item) => item.name.toLowerCase() === values.project?.trim().toLowerCase());
      if (!cloud) throw new StillframeError('not-found', `There is no project named “${values.project}” here or in your Supabase project.`);
      projectId = cloud.id;
      await handlers['sync.openCloudProject']({ projectId });
    }
  }
  const run = await handlers['sync.now']({ projectId });
  const status = await handlers['sync.status']({});
  if (values.json) io.out(JSON.stringify({ ...run, status }));
  else io.out(describeRun(run, status));
  return 0;
}
