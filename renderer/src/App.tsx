import { Suspense, useEffect } from 'react';
import { lazyView } from './lazy-view';
import { projectView } from './lazy-views';
import { hostBridge, subscribe } from './api';
import { useConnection } from './state/connection';
import { useFrameUndo } from './state/frame-undo';
import { useApp } from './state/store';
import { Banners } from './views/Banners';
import { ProjectsView } from './views/ProjectsView';
import { QueueButton } from './views/QueueButton';
import { SettingsButton } from './views/SettingsButton';
import { MonitoringButton } from './monitoring/MonitoringButton';
import { usePanel } from './monitoring/monitoring-store';
import { SyncButton } from './views/sync/SyncDialog';

// Every view but the project list is a chunk of its own, fetched when it is first shown (see lazy-views.ts).
const frameView = lazyView(async () => (await import('./views/FrameView')).FrameView);
const monitoringView = lazyView(async () => (await import('./monitoring/MonitoringView')).MonitoringView);
const storageView = lazyView(async () => (await import('./monitoring/StorageView')).StorageView);
const queueDrawer = lazyView(async () => (await import('./views/QueueDrawer')).QueueDrawer);
const { View: ProjectView } = projectView;
const { View: FrameView } = frameView;
const { View: MonitoringView } = monitoringView;
const { View: StorageView } = storageView;
const { View: QueueDrawer } = queueDrawer;

const loading = <p role="status">Loading…</p>;

export function App() {
  const route = useApp((state) => state.route);
  const projects = useApp((state) => state.projects);
  const projectsLoaded = useApp((state) => state.projectsLoaded);
  const navigate = useApp((state) => state.navigate);
  const queueOpen = useApp((state) => state.queueOpen);
  const panel = usePanel();

  useEffect(() => {
    // The projects and the queue were asked for before the app mounted (see main.tsx).
    const { loadProjects, loadQueue, applyJob, setStats, showError } = useApp.getState();
    const offs = [
      subscribe('job.updated', applyJob),
      subscribe('queue.stats', setStats),
      subscribe('library.changed', () => void loadProjects().catch(showError)),
    ];
    const readAgain = () => {
      loadProjects().catch(showError);
      loadQueue().catch(showError);
    };
    let wasConnected = true;
    const offConnection = hostBridge().watchConnection?.((state) => {
      useConnection.setState(state);
      // Back after a restart of the host: what the views show may have changed meanwhile.
      if (state.connected && !wasConnected) readAgain();
      wasConnected = state.connected;
    });
    if (offConnection) offs.push(offConnection);
    // The projects and the queue were read before these subscriptions began: a change announced in between (a pull at
    // start-up, a project made in another window) reached no one. The host's count of changes says whether there was
    // one; only then are they read again, so a normal start reads nothing twice.
    hostBridge()
      .libraryChanges()
      .then(({ read, listening }) => {
        if (read !== listening) readAgain();
      })
      .catch(showError);
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

  // A view's code is fetched as soon as the app shows it; the project page's also once the list is up, as it is the
  // one the person most likely goes to next.
  const routeView =
    panel === 'monitoring' ? monitoringView
    : panel === 'storage' ? storageView
    : route.name === 'frame' ? frameView
    : route.name === 'project' ? projectView
    : null;
  useEffect(() => {
    if (routeView) routeView.preload();
    else if (!projectsLoaded) return;
    else if ('requestIdleCallback' in window) window.requestIdleCallback(projectView.preload, { timeout: 1000 });
    else setTimeout(projectView.preload, 200);
  }, [routeView, projectsLoaded]);

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
      <Banners />
      <main className="content">
        <Suspense fallback={loading}>
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
              loading
            )
          ) : route.name === 'frame' && project ? (
            <FrameView projectId={project.id} batchId={route.batchId} frameId={route.frameId} zoom={route.zoom} />
          ) : route.name === 'project' && project ? (
            <ProjectView project={project} batchId={route.batchId} />
          ) : (
            <ProjectsView />
          )}
        </Suspense>
      </main>
      {queueOpen && (
        <Suspense fallback={null}>
          <QueueDrawer />
        </Suspense>
      )}
    </div>
  );
}
