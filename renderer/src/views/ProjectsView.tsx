import { useState } from 'react';
import type { Project } from '../../../shared/domain';
import { toAppError } from '../../../shared/errors';
import { projectNameMaxLength } from '../../../shared/names';
import { call } from '../api';
import { countList, formatDateTime, plural, wholeCount } from '../format';
import { projectView } from '../lazy-views';
import { prefetchPlace } from '../place-prefetch';
import { useApp } from '../state/store';
import { ProjectSyncBadge } from './sync/ProjectSyncBadge';
import { useSync } from './sync/sync-store';
import { Dialog } from './Dialog';
import { NameField } from './NameField';
import { Thumbnail } from './Thumbnail';

type Editing = { kind: 'create' } | { kind: 'rename'; project: Project } | { kind: 'delete'; project: Project } | null;

function NameDialog({ editing, onClose }: { editing: { kind: 'create' } | { kind: 'rename'; project: Project }; onClose(): void }) {
  const [name, setName] = useState(editing.kind === 'rename' ? editing.project.name : '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { loadProjects, navigate } = useApp.getState();

  const submit = async () => {
    setBusy(true);
    try {
      if (editing.kind === 'create') {
        const project = await call('projects.create', { name });
        await loadProjects();
        navigate({ name: 'project', projectId: project.id });
      } else {
        await call('projects.rename', { id: editing.project.id, name });
        await loadProjects();
      }
      onClose();
    } catch (caught) {
      setError(toAppError(caught).message);
      setBusy(false);
    }
  };

  return (
    <Dialog
      error={error}
      title={editing.kind === 'create' ? 'New project' : `Rename “${editing.project.name}”`}
      submitLabel={editing.kind === 'create' ? 'Create project' : 'Rename'}
      onClose={onClose}
      onSubmit={() => void submit()}
      submitDisabled={busy}
    >
      <NameField
        label="Project name"
        value={name}
        max={projectNameMaxLength}
        invalid={error !== null}
        onChange={(value) => {
          setName(value);
          setError(null);
        }}
      />
    </Dialog>
  );
}

function DeleteDialog({ project, onClose }: { project: Project; onClose(): void }) {
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    try {
      await call('projects.delete', { id: project.id });
      await useApp.getState().loadProjects();
      onClose();
    } catch (caught) {
      setError(toAppError(caught).message);
    }
  };
  return (
    <Dialog error={error} title={`Delete “${project.name}”?`} submitLabel="Delete project" danger onClose={onClose} onSubmit={() => void submit()}>
      <p>
        This removes the project with its {plural(project.batchCount, 'batch', 'batches')}, {plural(project.videoCount, 'video')} and{' '}
        {plural(project.frameCount, 'frame')} from this library. It cannot be undone.
      </p>
    </Dialog>
  );
}

/**
 * A card's counts as one string: React makes a text node of each piece of text written apart, and a list of 200 cards
 * made 2,000 of them. A narrow card wraps them between whole counts.
 */
function cardCounts(project: Project): string {
  return countList([
    wholeCount(project.batchCount, 'batch', 'batches'),
    wholeCount(project.videoCount, 'video'),
    wholeCount(project.frameCount, 'frame'),
    wholeCount(project.annotatedFrameCount, 'annotated', 'annotated'),
  ]);
}

export function ProjectsView() {
  const projects = useApp((state) => state.projects);
  const loaded = useApp((state) => state.projectsLoaded);
  const navigate = useApp((state) => state.navigate);
  // Until the host has said how sync stands, no card has a badge to show: the cards come up without 200 badges
  // following the sync state.
  const syncKnown = useSync((state) => state.status !== null);
  const [editing, setEditing] = useState<Editing>(null);
  const open = (projectId: string) => {
    const route = { name: 'project', projectId } as const;
    // Its batches and first frames are asked for before the page renders, and before anything else the route change sends.
    prefetchPlace(route);
    navigate(route);
  };

  return (
    <section className="projects" aria-labelledby="projects-heading">
      <div className="section-header">
        <h1 id="projects-heading">Projects</h1>
        {projects.length > 0 && (
          <button type="button" className="primary" onClick={() => setEditing({ kind: 'create' })}>
            New project
          </button>
        )}
      </div>
      {loaded && projects.length === 0 && (
        <div className="empty-state">
          <p>Your library is empty. Create a project, then drop videos onto it to turn them into frames.</p>
          <button type="button" className="primary" onClick={() => setEditing({ kind: 'create' })}>
            Create your first project
          </button>
        </div>
      )}
      <ul className="project-grid" aria-label="Projects">
        {projects.map((project) => (
          <li key={project.id} className="project-card" aria-label={project.name}>
            <button type="button" className="card-open" onPointerEnter={projectView.preload} onFocus={projectView.preload} onClick={() => open(project.id)}>
              <span className="cover" aria-hidden="true">
                {project.coverThumbPath ? <Thumbnail path={project.coverThumbPath} /> : <span className="cover-empty">No frames yet</span>}
              </span>
              <span className="card-title">{project.name}</span>
            </button>
            <p className="card-counts">{cardCounts(project)}</p>
            <p className="card-meta">{`Changed ${formatDateTime(project.updatedAt)}`}</p>
            <div className="card-actions">
              {syncKnown && <ProjectSyncBadge projectId={project.id} projectName={project.name} />}
              <button type="button" onClick={() => setEditing({ kind: 'rename', project })} aria-label={`Rename ${project.name}`}>
                Rename
              </button>
              <button type="button" onClick={() => setEditing({ kind: 'delete', project })} aria-label={`Delete ${project.name}`}>
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
      {editing && editing.kind !== 'delete' && <NameDialog editing={editing} onClose={() => setEditing(null)} />}
      {editing && editing.kind === 'delete' && <DeleteDialog project={editing.project} onClose={() => setEditing(null)} />}
    </section>
  );
}
