import { useEffect } from 'react';
import { hostBridge, subscribe } from './api';
import { useConnection } from './state/connection';
import { useFrameUndo } from './state/frame-undo';
import { useApp } from './state/store';
import { ConnectionStatus } from './views/ConnectionStatus';
import { ErrorBanner } from './views/ErrorBanner';
import { FrameView } from './views/FrameView';
import { ProjectsView } from './views/ProjectsView';
import { ProjectView } from './views/ProjectView';
import { QueueDrawer, QueueButton } from './views/QueueDrawer';
import { SettingsButton } from './views/SettingsDialog';
import { AlertNotices } from './monitoring/AlertNotices';
import { ThumbnailProgress } from './views/ThumbnailProgress';
import { MonitoringButton } from './monitoring/MonitoringButton';
import { MonitoringView } from './monitoring/MonitoringView';
import { usePanel } from './monitoring/monitoring-store';
import { StorageView } from './monitoring/StorageView';
import { SyncButton } from './views/sync/SyncDialog';

export function App() {
  const route = useApp((state) => state.route);
  const projects = useApp((state) => state.projects);
  const projectsLoaded = useApp((state) => state.projectsLoaded);
  const navigate = useApp((state) => state.navigate);
  const queueOpen = useApp((state) => state.queueOpen);
  const panel = usePanel();

  useEffect(() => {
    const { loadProjects, loadQueue, applyJob, setStats, showError } = useApp.getState();
    loadProjects().catch(showError);
    loadQueue().catch(showError);
    const offs = [
      subscribe('job.updated', applyJob),
      subscribe('queue.stats', setStats),
      subscribe('library.changed', () => void loadProjects().catch(showError)),
    ];
    let wasConnected = true;
    const offConnection = hostBridge().watchConnection?.((state) => {
      useConnection.setState(state);
      // Back after a restart of the host: what the views show may have changed meanwhile.
      if (state.connected && !wasConnected) {
        loadProjects().catch(showError);
        loadQueue().catch(showError);
      }
      wasConnected = state.connected;
    });
    if (offConnection) offs.push(offConnection);
    const onLocation = () => useApp.getState().followLocation();
    window.addEventListener('popstate', onLocation);
    window.addEventListener('hashchange', onLocation);
    return () => {
      offs.forEach((off) => off());
      window.removeEventListener('popstate', onLocation);
      window.removeEventListener('hashchange', onLocation);
    };
  }, []);

  // A deletion stays undoable while the person is in its project (its frames too); leaving the project settles it.
  // A look at Monitoring or Storage is not leaving: closing them returns to the project.
  const routeProject = 'projectId' in route ? route.projectId : null;
  const onPanel = panel !== null;
  useEffect(() => {
    const { pending, settle } = useFrameUndo.getState();
    if (!onPanel && pending && pending.projectId !== routeProject) settle();
  }, [routeProject, onPanel]);

  const project = 'projectId' in route ? projects.find((p) => p.id === route.projectId) : undefined;

  return (
    <div className={`app ${queueOpen ? 'with-drawer' : ''}`}>
      <header className="topbar">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <button type="button" className="link" onClick={() => navigate({ name: 'projects' })}>
            Stillframe
          </button>
          {project && (
            <>
              <span aria-hidden="true">›</span>
              {route.name === 'frame' ? (
                <button type="button" className="link" onClick={() => navigate({ name: 'project', projectId: project.id, batchId: route.batchId })}>
                  {project.name}
                </button>
              ) : (
                <span aria-current="page">{project.name}</span>
              )}
            </>
          )}
        </nav>
        <div className="topbar-actions">
          <MonitoringButton />
          <SyncButton />
          <SettingsButton />
          <QueueButton />
        </div>
      </header>
      <div className="banners">
        <ErrorBanner />
        <ConnectionStatus />
        <AlertNotices />
        <ThumbnailProgress />
      </div>
      <main className="content">
        {panel === 'monitoring' ? (
          <MonitoringView />
        ) : panel === 'storage' ? (
          <StorageView />
        ) : 'projectId' in route && !project ? (
          projectsLoaded ? (
            <div className="empty-state" role="status">
              <p>This address names a project that is not in this library any more.</p>
              <button type="button" className="primary" onClick={() => navigate({ name: 'projects' })}>
                Show all projects
              </button>
            </div>
          ) : (
            <p role="status">Loading…</p>
          )
        ) : route.name === 'frame' && project ? (
          <FrameView projectId={project.id} batchId={route.batchId} frameId={route.frameId} zoom={route.zoom} />
        ) : route.name === 'project' && project ? (
          <ProjectView project={project} batchId={route.batchId} />
        ) : (
          <ProjectsView />
        )}
      </main>
      {queueOpen && <QueueDrawer />}
    </div>
  );
}
