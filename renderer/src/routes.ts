/**
 * Every place in the app has an address in the URL fragment, so reload, Back/Forward and a pasted link land on
 * the same project, batch, frame and zoom. The fragment works alike under Electron's own scheme and the browser
 * host, and never reaches a server.
 *
 *   #/                                          the projects
 *   #/projects/<id>                             a project
 *   #/projects/<id>/batches/<id>                a project, scrolled to one batch
 *   #/projects/<id>/batches/<id>/frames/<id>    a frame in the annotator; `?zoom=250` keeps a zoom of 250 %
 *   #/monitoring                                the Monitoring view
 *   #/storage                                   the Storage view
 */
export type Route =
  | { name: 'projects' }
  | { name: 'monitoring' }
  | { name: 'storage' }
  | { name: 'project'; projectId: string; batchId?: string }
  | { name: 'frame'; projectId: string; batchId: string; frameId: string; zoom?: number };

const idPattern = /^[A-Za-z0-9-]{1,64}$/;
const minZoomPercent = 1;
const maxZoomPercent = 4000;

function segment(value: string | undefined): string | null {
  if (value === undefined) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return null;
  }
  return idPattern.test(decoded) ? decoded : null;
}

/** The place a fragment names; anything it cannot read (an old link, a typo, the browser host's token) is the projects. */
export function parseRoute(hash: string): Route {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!body.startsWith('/')) return { name: 'projects' };
  const [pathPart = '', query = ''] = body.split('?', 2);
  const parts = pathPart.split('/').filter((part) => part !== '');
  if (parts.length === 1 && (parts[0] === 'monitoring' || parts[0] === 'storage')) return { name: parts[0] };
  if (parts[0] !== 'projects' || parts.length < 2) return { name: 'projects' };
  const projectId = segment(parts[1]);
  if (!projectId) return { name: 'projects' };
  if (parts.length === 2) return { name: 'project', projectId };
  const batchId = parts[2] === 'batches' ? segment(parts[3]) : null;
  if (!batchId) return { name: 'project', projectId };
  if (parts.length === 4) return { name: 'project', projectId, batchId };
  const frameId = parts[4] === 'frames' ? segment(parts[5]) : null;
  if (!frameId || parts.length !== 6) return { name: 'project', projectId, batchId };
  const zoomText = new URLSearchParams(query).get('zoom');
  const zoom = zoomText === null ? Number.NaN : Number(zoomText);
  const route: Route = { name: 'frame', projectId, batchId, frameId };
  return Number.isFinite(zoom) && zoom >= minZoomPercent && zoom <= maxZoomPercent ? { ...route, zoom: zoom / 100 } : route;
}

export function formatRoute(route: Route): string {
  if (route.name === 'projects') return '#/';
  if (route.name === 'monitoring' || route.name === 'storage') return `#/${route.name}`;
  const project = `#/projects/${encodeURIComponent(route.projectId)}`;
  if (route.name === 'project') return route.batchId ? `${project}/batches/${encodeURIComponent(route.batchId)}` : project;
  const frame = `${project}/batches/${encodeURIComponent(route.batchId)}/frames/${encodeURIComponent(route.frameId)}`;
  return route.zoom === undefined ? frame : `${frame}?zoom=${Math.round(route.zoom * 100)}`;
}
