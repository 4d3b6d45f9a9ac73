import { call } from '../../api';
import { useApp } from '../../state/store';
import { describeProjectSync, useProjectSync, useSync } from './sync-store';

/** A project's sync state (on its card and in its header), with "Sync this project" or Retry where they apply. */
export function ProjectSyncBadge({ projectId, projectName }: { projectId: string; projectName: string }) {
  const sync = useProjectSync(projectId);
  const signedIn = useSync((state) => state.status?.user != null);
  if (!sync) return null;
  const showError = useApp.getState().showError;
  if (sync.state === 'local') {
    if (!signedIn) return null;
    return (
      <button type="button" onClick={() => void call('sync.linkProject', { projectId }).catch(showError)} aria-label={`Sync ${projectName} with the cloud`}>
        Sync this project
      </button>
    );
  }
  return (
    <span className={`sync-badge sync-${sync.state}`} role="status" aria-label={`${projectName} sync: ${describeProjectSync(sync)}`}>
      {describeProjectSync(sync)}
      {sync.state === 'syncing' && sync.progress !== null && <progress max={1} value={sync.progress} aria-label={`Syncing ${projectName}`} />}
      {(sync.state === 'error' || sync.state === 'offline') && (
        <button type="button" className="link" onClick={() => void call('sync.now', { projectId }).catch(showError)} aria-label={`Retry syncing ${projectName}`}>
          Retry
        </button>
      )}
    </span>
  );
}
