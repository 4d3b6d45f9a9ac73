import { useState } from 'react';
import type { CleanupItem } from '../../../shared/monitoring-contract';
import { call } from '../api';
import { afterFirstScreenSettles } from '../first-screen';
import { formatBytes, plural } from '../format';
import { attempt } from '../state/store';
import { useLiveQuery } from '../use-refresh';
import { useMonitoring } from './monitoring-store';

const kindTitles: Record<CleanupItem['kind'], string> = {
  'empty-batch': 'Empty batches',
  'orphan-file': 'Files no frame refers to',
  'missing-file': 'Frames whose image file is gone',
  'extracted-upload': 'Uploaded copies of videos already extracted',
};

/** Lists what a clean-up would remove, and removes only what the person leaves ticked and confirms. */
function CleanUp({ onDone }: { onDone(): void }) {
  const [items, setItems] = useState<CleanupItem[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [result, setResult] = useState<string | null>(null);

  const list = () =>
    void attempt(async () => {
      const plan = await call('storage.cleanupPlan', {});
      setItems(plan.items);
      setChosen(new Set(plan.items.map((item) => item.id)));
      setResult(null);
    });
  const remove = () =>
    void attempt(async () => {
      const done = await call('storage.cleanup', { ids: [...chosen] });
      setResult(`Removed ${plural(done.removed.length, 'item')}, freeing ${formatBytes(done.freedBytes)}.`);
      setItems(null);
      onDone();
    });

  const freed = (items ?? []).filter((item) => chosen.has(item.id)).reduce((sum, item) => sum + item.bytes, 0);
  return (
    <section aria-labelledby="cleanup-heading" className="cleanup">
      <h2 id="cleanup-heading">Clean up</h2>
      <p className="job-meta">Nothing a frame, a shape or a waiting video needs is ever listed.</p>
      {result && <p role="status">{result}</p>}
      {items === null ? (
        <button type="button" onClick={list}>Find what can be removed</button>
      ) : items.length === 0 ? (
        <p role="status">Nothing to clean up.</p>
      ) : (
        <>
          {(Object.keys(kindTitles) as CleanupItem['kind'][]).map((kind) => {
            const members = items.filter((item) => item.kind === kind);
            if (members.length === 0) return null;
            return (
              <fieldset key={kind}>
                <legend>{kindTitles[kind]}</legend>
                {members.map((item) => (
                  <label key={item.id} className="cleanup-item">
                    <input
                      type="checkbox"
                      checked={chosen.has(item.id)}
                      onChange={(event) => {
                        const next = new Set(chosen);
                        if (event.target.checked) next.add(item.id);
                        else next.delete(item.id);
                        setChosen(next);
                      }}
                    />
                    <span>{item.description}</span>
                    <span className="job-meta">{formatBytes(item.bytes)}</span>
                  </label>
                ))}
              </fieldset>
            );
          })}
          <div className="dialog-actions">
            <button type="button" onClick={() => setItems(null)}>Cancel</button>
            <button type="button" className="danger" disabled={chosen.size === 0} onClick={remove}>
              Remove {plural(chosen.size, 'item')} ({formatBytes(freed)})
            </button>
          </div>
        </>
      )}
    </section>
  );
}

/** Space used per project and batch, temporary files and the database, with the clean-up. */
export function StorageView() {
  const open = useMonitoring((state) => state.open);
  const { data, reload } = useLiveQuery(() => call('storage.usage', {}), { 'library.changed': () => true }, [], 2000);
  return (
    <section className="storage" aria-labelledby="storage-heading">
      <div className="section-header">
        <div>
          <h1 id="storage-heading">Storage</h1>
          <p className="project-counts">{data ? `The library uses ${formatBytes(data.totalBytes)} on disk.` : 'Measuring…'}</p>
        </div>
        <div className="monitoring-actions">
          <button type="button" onClick={() => open('monitoring')}>Monitoring</button>
          <button type="button" onClick={() => open(null)}>Close storage</button>
        </div>
      </div>
      {data && (
        <table className="storage-table">
          <caption className="visually-hidden">Space used per project and batch</caption>
          <thead>
            <tr>
              <th scope="col">Project / batch</th>
              <th scope="col">Frames</th>
              <th scope="col">Images</th>
              <th scope="col">Thumbnails</th>
              <th scope="col">Source copies</th>
              <th scope="col">In all</th>
            </tr>
          </thead>
          <tbody>
            {data.projects.flatMap((project) => [
              <tr key={project.id} className="storage-project">
                <th scope="row">{project.name}</th>
                <td>{project.batches.reduce((sum, batch) => sum + batch.frames, 0).toLocaleString()}</td>
                <td>{formatBytes(project.batches.reduce((sum, batch) => sum + batch.frameBytes, 0))}</td>
                <td>{formatBytes(project.batches.reduce((sum, batch) => sum + batch.thumbnailBytes, 0))}</td>
                <td>{formatBytes(project.batches.reduce((sum, batch) => sum + batch.sourceBytes, 0))}</td>
                <td>{formatBytes(project.bytes)}</td>
              </tr>,
              ...project.batches.map((batch) => (
                <tr key={batch.id}>
                  <th scope="row" className="storage-batch">{batch.name}</th>
                  <td>{batch.frames.toLocaleString()}</td>
                  <td>{formatBytes(batch.frameBytes)}</td>
                  <td>{formatBytes(batch.thumbnailBytes)}</td>
                  <td>{formatBytes(batch.sourceBytes)}</td>
                  <td>{formatBytes(batch.bytes)}</td>
                </tr>
              )),
            ])}
            <tr>
              <th scope="row">Temporary files and downloads</th>
              <td colSpan={4} />
              <td>{formatBytes(data.tmpBytes)}</td>
            </tr>
            <tr>
              <th scope="row">Database</th>
              <td colSpan={4} />
              <td>{formatBytes(data.databaseBytes)}</td>
            </tr>
          </tbody>
        </table>
      )}
      <CleanUp onDone={reload} />
    </section>
  );
}

/**
 * The project header's line: how much space this project takes. It brings its own separator, so a line still
 * waiting for the sum does not end in a dangling "·".
 */
export function ProjectStorage({ projectId }: { projectId: string }) {
  // Progress events say 'video' many times a second; a few seconds' delay costs nothing in a header line.
  const { data: project } = useLiveQuery(
    // It sums every frame of the project: what the person sees and does first goes to the host before it.
    () => afterFirstScreenSettles(() => call('storage.project', { projectId })),
    { 'library.changed': (change) => change.projectId === projectId || change.projectId === null },
    [projectId],
    5000,
  );
  const open = useMonitoring((state) => state.open);
  if (!project) return null;
  return (
    <>
      {' · '}
      <button type="button" className="link project-storage" onClick={() => open('storage')}>
        Uses {formatBytes(project.bytes)}
      </button>
    </>
  );
}
