import { describe, expect, it } from 'vitest';
import { testShape } from '../../../shared/test-shape';
import { createEditorStore, type HostCall } from './editor-store';

const reason = 'You can view this project: ask an owner for edit rights';
const frame = { id: 'frame-a', width: 640, height: 360 };
const box = testShape({ id: '00000000-0000-7000-8000-000000000001', frameId: frame.id, type: 'rectangle', points: [10, 10, 50, 50] });
const dot = testShape({ id: '00000000-0000-7000-8000-000000000002', frameId: frame.id, type: 'point', points: [80, 80] });

describe('a viewer in the annotator', () => {
  it('sends no write to the host, shows the reason, and keeps the teammates’ shapes on screen', async () => {
    const sent: string[] = [];
    const errors: string[] = [];
    const call = (async (name: string) => {
      sent.push(name);
      if (name === 'shapes.list') return [box, dot];
      if (name === 'labels.list') return [];
      throw new Error(`A viewer’s editor asked the host for ${name}.`);
    }) as unknown as HostCall;
    const store = createEditorStore(call, (error) => errors.push((error as Error).message));
    store.getState().openProject('p');
    store.getState().setReadOnly(reason);
    store.getState().openFrame(frame);
    await new Promise((resolve) => setTimeout(resolve, 20));
    store.getState().createShape('rectangle', [100, 100, 200, 200]);
    store.getState().select([box.id, dot.id]);
    store.getState().moveShapes([box, dot], { x: 5, y: 5 });
    store.getState().nudge(1, 0);
    store.getState().deleteSelection();
    await expect(store.getState().createLabel({ projectId: 'p', name: 'Car', color: '#ff0000', hotkey: 1, attributes: [] })).rejects.toThrow(reason);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent.filter((name) => !name.endsWith('.list'))).toEqual([]);
    expect(errors).toContain(reason);
    expect(store.getState().shapes.map((shape) => shape.id)).toEqual([box.id, dot.id]);
    expect(store.getState().shapes.map((shape) => shape.points)).toEqual([box.points, dot.points]);
  });
});
