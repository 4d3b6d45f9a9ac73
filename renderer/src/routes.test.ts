import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route } from './routes';

const project = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const batch = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
const frame = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d';

describe('routes', () => {
  it('gives every place an address that reads back as the same place', () => {
    const places: Route[] = [
      { name: 'projects' },
      { name: 'monitoring' },
      { name: 'storage' },
      { name: 'project', projectId: project },
      { name: 'project', projectId: project, batchId: batch },
      { name: 'frame', projectId: project, batchId: batch, frameId: frame },
      { name: 'frame', projectId: project, batchId: batch, frameId: frame, zoom: 2.5 },
    ];
    for (const place of places) expect(parseRoute(formatRoute(place))).toEqual(place);
    expect(formatRoute({ name: 'monitoring' })).toBe('#/monitoring');
    expect(formatRoute({ name: 'storage' })).toBe('#/storage');
    expect(formatRoute(places[6] as Route)).toBe(`#/projects/${project}/batches/${batch}/frames/${frame}?zoom=250`);
  });

  it('reads what it cannot place as the projects screen, or the nearest place it can', () => {
    expect(parseRoute('')).toEqual({ name: 'projects' });
    expect(parseRoute('#token=abc')).toEqual({ name: 'projects' });
    expect(parseRoute('#/elsewhere/1')).toEqual({ name: 'projects' });
    expect(parseRoute('#/monitoring/extra')).toEqual({ name: 'projects' });
    expect(parseRoute('#/projects/%E0%A4%A')).toEqual({ name: 'projects' });
    expect(parseRoute('#/projects/../../etc')).toEqual({ name: 'projects' });
    expect(parseRoute(`#/projects/${project}/batches`)).toEqual({ name: 'project', projectId: project });
    expect(parseRoute(`#/projects/${project}/batches/${batch}/frames`)).toEqual({ name: 'project', projectId: project, batchId: batch });
  });

  it('keeps only a zoom it can show', () => {
    const base = `#/projects/${project}/batches/${batch}/frames/${frame}`;
    expect(parseRoute(`${base}?zoom=abc`)).toEqual({ name: 'frame', projectId: project, batchId: batch, frameId: frame });
    expect(parseRoute(`${base}?zoom=0`)).not.toHaveProperty('zoom');
    expect(parseRoute(`${base}?zoom=999999`)).not.toHaveProperty('zoom');
    expect(parseRoute(`${base}?zoom=40`)).toMatchObject({ zoom: 0.4 });
  });
});
