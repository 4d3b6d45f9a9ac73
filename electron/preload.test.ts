import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StillframeBridge } from '../shared/bridge';
import { eventNames } from '../shared/contract';
import { dispatch } from './api/dispatch';
import { createHandlers } from './api/handlers';
import type { Services } from './services';
import { openTestServices } from './test-support/temp-library';

/**
 * Electron's side of the preload, as main.ts wires it: calls go to the handlers in the order sent, and every event is
 * sent to the window after it is emitted. The bridge the preload exposes is caught here.
 */
const electron = vi.hoisted(() => ({
  services: null as Services | null,
  exposed: null as StillframeBridge | null,
  listeners: new Set<(event: unknown, name: string, payload: unknown) => void>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (_key: string, bridge: StillframeBridge) => (electron.exposed = bridge) },
  ipcRenderer: {
    invoke: (channel: string, name: unknown, input: unknown) => {
      if (channel !== 'stillframe:invoke' || !electron.services) throw new Error(`No handler for ${channel}`);
      return dispatch(createHandlers(electron.services), name, input);
    },
    on: (_channel: string, listener: (event: unknown, name: string, payload: unknown) => void) => electron.listeners.add(listener),
    off: (_channel: string, listener: (event: unknown, name: string, payload: unknown) => void) => electron.listeners.delete(listener),
  },
  webUtils: { getPathForFile: () => '' },
}));

/** A window freshly loaded on a library: its preload run anew, with nothing asked yet. */
async function openWindow(): Promise<{ bridge: StillframeBridge; services: Services }> {
  const services = openTestServices();
  for (const name of eventNames) {
    services.events.on(name, (payload) => setImmediate(() => electron.listeners.forEach((listener) => listener({}, name, payload))));
  }
  electron.services = services;
  vi.resetModules();
  await import('./preload');
  if (!electron.exposed) throw new Error('The preload exposed no bridge.');
  return { bridge: electron.exposed, services };
}

beforeEach(() => {
  electron.exposed = null;
  electron.listeners.clear();
});

describe('the Electron preload’s count of library changes', () => {
  it('is the same at the first reads and once the app listens, when nothing changed between', async () => {
    const { bridge, services } = await openWindow();
    await dispatch(createHandlers(services), 'projects.create', { name: 'Before the reads' });
    expect(await bridge.invoke('projects.list', {})).toMatchObject({ ok: true, value: [{ name: 'Before the reads' }] });
    const off = bridge.subscribe('library.changed', () => undefined);
    const changes = await bridge.libraryChanges();
    expect(changes.read).toBe(changes.listening);
    off();
  });

  it('moves on when a change came after the first reads and before the app listened', async () => {
    const { bridge, services } = await openWindow();
    const listed = await bridge.invoke('projects.list', {});
    expect(listed).toEqual({ ok: true, value: [] });
    // A pull at start-up, say: announced, and delivered, to a window with no subscriber yet.
    await dispatch(createHandlers(services), 'projects.create', { name: 'Pulled meanwhile' });
    await new Promise((resolve) => setImmediate(resolve));
    const heard: unknown[] = [];
    const off = bridge.subscribe('library.changed', (change) => heard.push(change));
    const changes = await bridge.libraryChanges();
    expect(changes.listening).not.toBe(changes.read);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual([]);
    off();
  });

  it('is the same when nothing was read before the app listened', async () => {
    const { bridge, services } = await openWindow();
    await dispatch(createHandlers(services), 'projects.create', { name: 'Before the window read anything' });
    const changes = await bridge.libraryChanges();
    expect(changes.read).toBe(changes.listening);
  });
});
