import { useEffect, useState } from 'react';
import { toAppError } from '../../../../shared/errors';
import type { CloudProject, SyncConflict, SyncRejection, SyncSettings } from '../../../../shared/sync-contract';
import { call } from '../../api';
import { useApp } from '../../state/store';
import { Dialog } from '../Dialog';
import { useSync } from './sync-store';

/** The header's summary of sync across the library. */
function summary(status: ReturnType<typeof useSync.getState>['status']): string {
  if (!status || !status.configured) return 'Cloud sync';
  if (status.state === 'signed-out') return 'Sign in to sync';
  if (status.state === 'syncing') return 'Syncing…';
  if (status.state === 'offline') return 'Offline';
  if (status.state === 'error') return 'Sync error';
  const waiting = status.projects.reduce((sum, project) => sum + (project.state === 'local' ? 0 : project.waiting), 0);
  return waiting > 0 ? `${waiting} change${waiting === 1 ? '' : 's'} waiting` : 'Synced';
}

function ConnectionSection({ onError }: { onError(message: string | null): void }) {
  const [settings, setSettings] = useState<SyncSettings | null>(null);
  const [url, setUrl] = useState('');
  const [anonKey, setAnonKey] = useState('');
  useEffect(() => {
    void call('sync.settings.get', {}).then((value) => {
      setSettings(value);
      // What the person typed while the saved values were on their way is theirs: never overwrite it.
      setUrl((typed) => (typed === '' ? (value.url ?? '') : typed));
      setAnonKey((typed) => (typed === '' ? (value.anonKey ?? '') : typed));
    });
  }, []);
  const save = () =>
    void call('sync.settings.set', { url, anonKey }).then(
      (value) => {
        setSettings(value);
        onError(null);
        void useSync.getState().refresh();
      },
      (error: unknown) => onError(toAppError(error).message),
    );
  const fixed = settings?.fromEnvironment === true;
  return (
    <fieldset>
      <legend>Supabase project</legend>
      <label className="field">
        <span>Project URL</span>
        <input type="url" value={url} disabled={fixed} placeholder="https://abcd.supabase.co" onChange={(event) => setUrl(event.target.value)} />
      </label>
      <label className="field">
        <span>Anon key</span>
        <input type="text" value={anonKey} disabled={fixed} spellCheck={false} autoComplete="off" onChange={(event) => setAnonKey(event.target.value)} />
      </label>
      <p className="field-hint">
        {fixed
          ? 'Set by SUPABASE_URL and SUPABASE_ANON_KEY in the environment.'
          : 'From your Supabase project’s API settings. Only the anon (publishable) key: never a service key.'}
      </p>
      {!fixed && (
        <button type="button" onClick={save}>
          Save connection
        </button>
      )}
    </fieldset>
  );
}

function AccountSection({ onError }: { onError(message: string | null): void }) {
  const status = useSync((state) => state.status);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (work: () => Promise<string | null>) => {
    setBusy(true);
    onError(null);
    try {
      setNotice(await work());
      setPassword('');
      await useSync.getState().refresh();
    } catch (error) {
      onError(toAppError(error).message);
    } finally {
      setBusy(false);
    }
  };
  if (status?.user) {
    return (
      <fieldset>
        <legend>Account</legend>
        <p role="status">Signed in as {status.user.email}.</p>
        <button type="button" disabled={busy} onClick={() => void act(async () => (await call('sync.signOut', {}), 'Signed out.'))}>
          Sign out
        </button>
      </fieldset>
    );
  }
  return (
    <fieldset>
      <legend>Account</legend>
      <label className="field">
        <span>Email</span>
        <input type="email" autoComplete="username" value={email} onChange={(event) => setEmail(event.target.value)} />
      </label>
      <label className="field">
        <span>Password</span>
        <input type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} />
      </label>
      {notice && <p role="status">{notice}</p>}
      <div className="row">
        <button type="button" className="primary" disabled={busy} onClick={() => void act(async () => (await call('sync.signIn', { email, password }), null))}>
          Sign in
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void act(async () => {
              const { needsConfirmation } = await call('sync.signUp', { email, password });
              if (needsConfirmation) return 'Account made. Confirm it with the link Supabase sent to your email, then sign in.';
              await call('sync.signIn', { email, password });
              return null;
            })
          }
        >
          Sign up
        </button>
      </div>
    </fieldset>
  );
}

function CloudProjectsSection({ onError }: { onError(message: string | null): void }) {
  const signedIn = useSync((state) => state.status?.user != null);
  const [projects, setProjects] = useState<CloudProject[] | null>(null);
  useEffect(() => {
    if (!signedIn) return;
    void call('sync.cloudProjects', {}).then(setProjects, (error: unknown) => onError(toAppError(error).message));
  }, [signedIn, onError]);
  if (!signedIn) return null;
  const open = (project: CloudProject) =>
    void call('sync.openCloudProject', { projectId: project.id }).then(
      () => {
        void useApp.getState().loadProjects();
        void call('sync.cloudProjects', {}).then(setProjects);
      },
      (error: unknown) => onError(toAppError(error).message),
    );
  return (
    <fieldset>
      <legend>Cloud projects</legend>
      {projects === null ? (
        <p>Looking for your cloud projects…</p>
      ) : projects.length === 0 ? (
        <p>You are not a member of any cloud project yet. “Sync this project” on a project puts it in the cloud.</p>
      ) : (
        <ul aria-label="Cloud projects" className="plain-list">
          {projects.map((project) => (
            <li key={project.id}>
              {project.name} {project.role && <span className="field-hint">({project.role})</span>}{' '}
              {project.local ? (
                <span className="field-hint">in this library</span>
              ) : (
                <button type="button" onClick={() => open(project)} aria-label={`Open ${project.name} from the cloud`}>
                  Open
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

function ProblemsSection() {
  const status = useSync((state) => state.status);
  const [shown, setShown] = useState<'conflicts' | 'rejections' | null>(null);
  const [conflicts, setConflicts] = useState<SyncConflict[]>([]);
  const [rejections, setRejections] = useState<SyncRejection[]>([]);
  useEffect(() => {
    if (shown === 'conflicts') void call('sync.conflicts', {}).then(setConflicts);
    if (shown === 'rejections') void call('sync.rejections', {}).then(setRejections);
  }, [shown, status?.conflicts, status?.rejections]);
  if (!status?.user) return null;
  return (
    <fieldset>
      <legend>Conflicts and rejections</legend>
      <div className="row">
        <button type="button" aria-expanded={shown === 'conflicts'} onClick={() => setShown(shown === 'conflicts' ? null : 'conflicts')}>
          Conflicts ({status.conflicts})
        </button>
        <button type="button" aria-expanded={shown === 'rejections'} onClick={() => setShown(shown === 'rejections' ? null : 'rejections')}>
          Rejections ({status.rejections})
        </button>
      </div>
      {shown === 'conflicts' && (
        <ul aria-label="Conflicts" className="plain-list">
          {conflicts.length === 0 && <li>No edit of yours has lost to another device.</li>}
          {conflicts.map((item) => (
            <li key={item.id}>
              {new Date(item.at).toLocaleString()}: {item.reason} ({item.table}, your change: <code>{JSON.stringify(item.lost)}</code>)
            </li>
          ))}
        </ul>
      )}
      {shown === 'rejections' && (
        <ul aria-label="Rejections" className="plain-list">
          {rejections.length === 0 && <li>The server has refused none of your changes.</li>}
          {rejections.map((item) => (
            <li key={item.id}>
              {new Date(item.at).toLocaleString()}: {item.message} ({item.table}, {item.op})
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

function SyncDialog({ onClose }: { onClose(): void }) {
  const [error, setError] = useState<string | null>(null);
  const status = useSync((state) => state.status);
  return (
    <Dialog
      title="Cloud sync"
      submitLabel="Sync now"
      cancelLabel="Close"
      error={error ?? (status?.state === 'error' || status?.state === 'offline' ? status.message : null)}
      submitDisabled={!status?.user || status.state === 'syncing'}
      onClose={onClose}
      onSubmit={() => void call('sync.now', {}).then(() => setError(null), (caught: unknown) => setError(toAppError(caught).message))}
    >
      <ConnectionSection onError={setError} />
      <AccountSection onError={setError} />
      <CloudProjectsSection onError={setError} />
      <ProblemsSection />
    </Dialog>
  );
}

/** The header's sync button: the library's sync state at a glance, opening the sync settings. */
export function SyncButton() {
  const [open, setOpen] = useState(false);
  const status = useSync((state) => state.status);
  useEffect(() => useSync.getState().follow(), []);
  return (
    <>
      <button type="button" aria-haspopup="dialog" aria-label={`Cloud sync: ${summary(status)}`} onClick={() => setOpen(true)}>
        {summary(status)}
      </button>
      {open && <SyncDialog onClose={() => setOpen(false)} />}
    </>
  );
}
