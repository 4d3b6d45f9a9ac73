import { useEffect } from 'react';
import { subscribe } from './api';
import { useApp } from './state/store';
import { ErrorBanner } from './views/ErrorBanner';
import { FrameView } from './views/FrameView';
import { ProjectsView } from './views/ProjectsView';
import { ProjectView } from './views/ProjectView';
import { QueueDrawer, QueueButton } from './views/QueueDrawer';
import { SettingsButton } from './views/SettingsDialog';
import { SyncButton } from './views/sync/SyncDialog';

export function App() {
  const route = useApp((state) => state.route);
  const projects = useApp((state) => state.projects);
  const navigate = useApp((state) => state.navigate);
  const queueOpen = useApp((state) => state.queueOpen);

  useEffect(() => {
    const { loadProjects, loadQueue, applyJob, setStats, showError } = useApp.getState();
    loadProjects().catch(showError);
    loadQueue().catch(showError);
    const offs = [
      subscribe('job.updated', applyJob),
      subscribe('queue.stats', setStats),
      subscribe('library.changed', () => void loadProjects().catch(showError)),
    ];
    return () => offs.forEach((off) => off());
  }, []);

  const project = route.name !== 'projects' ? projects.find((p) => p.id === route.projectId) : undefined;

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
                <button type="button" className="link" onClick={() => navigate({ name: 'project', projectId: project.id })}>
                  {project.name}
                </button>
              ) : (
                <span aria-current="page">{project.name}</span>
              )}
            </>
          )}
        </nav>
        <div className="topbar-actions">
          <SyncButton />
          <SettingsButton />
          <QueueButton />
        </div>
      </header>
      <ErrorBanner />
      <main className="content">
        {route.name === 'frame' && project ? (
          <FrameView projectId={project.id} batchId={route.batchId} frameId={route.frameId} />
        ) : route.name === 'project' && project ? (
          <ProjectView project={project} />
        ) : (
          <ProjectsView />
        )}
      </main>
      {queueOpen && <QueueDrawer />}
    </div>
  );
}
