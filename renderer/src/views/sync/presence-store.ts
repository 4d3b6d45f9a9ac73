import { create } from 'zustand';
import type { Place, PresentPerson } from '../../../../shared/sharing-contract';
import { call, subscribe } from '../../api';
import type { Route } from '../../routes';
import { useApp } from '../../state/store';
import { afterFirstScreen } from '../../first-screen';

interface PresenceState {
  people: Record<string, PresentPerson[]>;
  /** Tells the host where this person is at every route change, and follows who else is where. */
  follow(): () => void;
}

function placeOf(route: Route): Place | null {
  if (route.name !== 'project' && route.name !== 'frame') return null;
  if (route.name === 'frame') return { projectId: route.projectId, batchId: route.batchId, frameId: route.frameId };
  return { projectId: route.projectId, batchId: route.batchId ?? null, frameId: null };
}

/** Teammates see where this person is within about a second, whatever the page is busy with. */
const presenceWithinMs = 1000;
function whenIdle(run: () => void): void {
  if ('requestIdleCallback' in window) window.requestIdleCallback(run, { timeout: presenceWithinMs });
  else setTimeout(run, 0);
}

const samePlace = (a: Place | null, b: Place | null) => a?.projectId === b?.projectId && a?.batchId === b?.batchId && a?.frameId === b?.frameId;

/** Who else is in each project right now, as the host's `presence.changed` event last said. */
export const usePresence = create<PresenceState>()((set) => ({
  people: {},
  follow() {
    const off = subscribe('presence.changed', ({ projectId, people }) => set((state) => ({ people: { ...state.people, [projectId]: people } })));
    let sent: Place | null | undefined;
    const tell = () => {
      const place = placeOf(useApp.getState().route);
      if (sent !== undefined && samePlace(place, sent)) return;
      sent = place;
      // Told once the place's first screen is up and the page is idle: ahead of them on the way to the host, that
      // screen waited for them.
      void afterFirstScreen(async () => whenIdle(() => {
        void call('presence.set', { place }).catch(() => undefined);
        if (place) {
          void call('presence.list', { projectId: place.projectId }).then(
            (people) => set((state) => ({ people: { ...state.people, [place.projectId]: people } })),
            () => undefined,
          );
        }
      }));
    };
    tell();
    const offRoute = useApp.subscribe((state, previous) => {
      if (state.route !== previous.route) tell();
    });
    return () => {
      off();
      offRoute();
    };
  },
}));

const none: PresentPerson[] = [];

/** The others in the project, or in one batch of it (null: in the project, in no batch yet). */
export function usePeopleHere(projectId: string, batchId?: string | null): PresentPerson[] {
  const people = usePresence((state) => state.people[projectId] ?? none);
  return batchId === undefined ? people : people.filter((person) => person.batchId === batchId);
}
