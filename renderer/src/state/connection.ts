import { create } from 'zustand';
import type { HostConnection } from '../../../shared/bridge';
import { plural } from '../format';

/** The host connection as the bridge reports it; Electron's bridge has none to lose, so it stays connected. */
export const useConnection = create<HostConnection>()(() => ({ connected: true, waiting: 0 }));

/** "Not connected — 2 edits waiting": what the person needs to know about edits the host does not have yet. */
export function notConnectedText(waiting: number): string {
  return waiting === 0 ? 'Not connected' : `Not connected — ${plural(waiting, 'edit')} waiting`;
}
