import { call } from '../../api';
import { useLiveQuery } from '../../use-refresh';
import { usePeopleHere } from './presence-store';

/** "frame 12 of harbour.mp4" for the frames the others have open; a frame not in this library stays unnamed. */
function useFrameNames(frameIds: readonly string[]): Map<string, string> {
  const key = [...new Set(frameIds)].sort().join(',');
  const names = useLiveQuery(
    async () => {
      const entries = await Promise.all(
        key
          .split(',')
          .filter(Boolean)
          .map((id) => call('frames.get', { id }).then((frame) => [id, `frame ${frame.index} of ${frame.videoName}`] as const, () => null)),
      );
      return new Map(entries.filter((entry) => entry !== null));
    },
    {},
    [key],
  );
  return names.data ?? new Map<string, string>();
}

/** Who else is here (in the project, or in this batch), and the frame each has open. Nothing is locked. */
export function PeopleHere({ projectId, batchId, label }: { projectId: string; batchId?: string | null; label: string }) {
  const people = usePeopleHere(projectId, batchId);
  const names = useFrameNames(people.flatMap((person) => (person.frameId ? [person.frameId] : [])));
  if (people.length === 0) return null;
  return (
    <ul className="people-here" aria-label={label}>
      {people.map((person) => {
        const where = person.frameId ? (names.get(person.frameId) ?? 'a frame') : null;
        const who = person.email ?? 'A teammate';
        return (
          <li key={person.key} title={where ? `${who} has ${where} open` : `${who} is here`}>
            <span className="person-dot" aria-hidden="true">
              {who.slice(0, 1).toUpperCase()}
            </span>
            {where ? `${who}: ${where}` : `${who}`}
          </li>
        );
      })}
    </ul>
  );
}
