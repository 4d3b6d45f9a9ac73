import { useEffect, useState } from 'react';
import { toAppError } from '../../../../shared/errors';
import type { Member, MemberRole } from '../../../../shared/sharing-contract';
import { call, subscribe } from '../../api';
import { Dialog } from '../Dialog';
import { useProjectSync, useSync } from './sync-store';

const roleWords: Record<MemberRole, string> = {
  owner: 'Owner: shares the project and changes everything',
  editor: 'Editor: changes frames and shapes',
  viewer: 'Viewer: sees everything, changes nothing',
  worker: 'Worker: a machine that processes videos',
};
const invitable = ['editor', 'viewer', 'owner'] as const;

/** Members and waiting invites; owners invite by email, change roles and remove; anyone can leave. */
function ShareDialog({ projectId, projectName, onClose }: { projectId: string; projectName: string; onClose(): void }) {
  const sync = useProjectSync(projectId);
  const me = useSync((state) => state.status?.user ?? null);
  const owner = sync?.role === 'owner';
  const [members, setMembers] = useState<Member[] | null>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<(typeof invitable)[number]>('editor');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const fail = (caught: unknown) => setError(toAppError(caught).message);

  useEffect(() => {
    const load = () => void call('team.members', { projectId }).then(setMembers, fail);
    load();
    return subscribe('team.membersChanged', (change) => {
      if (change.projectId === projectId) load();
    });
  }, [projectId]);

  const done = (next: Member[], message: string) => {
    setMembers(next);
    setError(null);
    setNotice(message);
  };

  const invite = () =>
    void call('team.invite', { projectId, email, role }).then(async (answer) => {
      setEmail('');
      done(await call('team.members', { projectId }), answer.message);
    }, fail);

  const leave = () =>
    void call('team.leave', { projectId }).then(() => {
      void useSync.getState().refresh();
      onClose();
    }, fail);

  return (
    <Dialog title={`Share ${projectName}`} onClose={onClose} onSubmit={invite} submitLabel="Invite" cancelLabel="Close" submitDisabled={!owner || email.trim() === ''} error={error}>
      {owner ? (
        <fieldset>
          <legend>Invite someone</legend>
          <label className="field">
            <span>Email address</span>
            <input type="email" value={email} autoComplete="off" onChange={(event) => setEmail(event.target.value)} />
          </label>
          <label className="field">
            <span>Invite as</span>
            <select value={role} onChange={(event) => setRole(event.target.value as (typeof invitable)[number])}>
              {invitable.map((value) => (
                <option key={value} value={value}>
                  {roleWords[value]}
                </option>
              ))}
            </select>
          </label>
          <p className="field-hint">Someone without an account becomes a member when they sign up with this address.</p>
        </fieldset>
      ) : (
        <p className="field-hint">Only an owner of this project can invite people or change roles.</p>
      )}
      {notice && (
        <p role="status" aria-label="Sharing">
          {notice}
        </p>
      )}
      <ul className="member-list" aria-label="Members">
        {(members ?? []).map((member) => {
          const mine = member.userId !== null && member.userId === me?.id;
          const who = `${member.email}${mine ? ' (you)' : ''}`;
          return (
            <li key={member.userId ?? `invite:${member.email}`}>
              <span>{member.pending ? `${member.email}: invited, waits until they sign up` : who}</span>
              {owner && member.userId !== null ? (
                <select
                  aria-label={`Role of ${member.email}`}
                  value={member.role}
                  onChange={(event) =>
                    void call('team.setRole', { projectId, userId: member.userId ?? '', role: event.target.value as MemberRole }).then(
                      (next) => done(next, `${member.email} is now ${event.target.value === 'owner' ? 'an' : 'a'} ${event.target.value}.`),
                      fail,
                    )
                  }
                >
                  {(['owner', 'editor', 'viewer', 'worker'] as const).map((value) => (
                    <option key={value} value={value}>
                      {value}
                    </option>
                  ))}
                </select>
              ) : (
                <span className="member-role">{member.role}</span>
              )}
              {owner && member.userId !== null && !mine && (
                <button
                  type="button"
                  className="link"
                  aria-label={`Remove ${member.email}`}
                  onClick={() => void call('team.remove', { projectId, userId: member.userId ?? '' }).then((next) => done(next, `${member.email} no longer has this project.`), fail)}
                >
                  Remove
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <button type="button" className="danger" onClick={leave} aria-label={`Leave ${projectName}`}>
        Leave this project
      </button>
    </Dialog>
  );
}

/** The project header's "Share" button, for a synced project; the dialog decides what this person may do. */
export function ShareButton({ projectId, projectName }: { projectId: string; projectName: string }) {
  const [open, setOpen] = useState(false);
  const sync = useProjectSync(projectId);
  if (!sync || sync.state === 'local' || sync.state === 'unshared') return null;
  return (
    <>
      <button type="button" aria-haspopup="dialog" aria-label={`Share ${projectName}`} onClick={() => setOpen(true)}>
        Share
      </button>
      {open && <ShareDialog projectId={projectId} projectName={projectName} onClose={() => setOpen(false)} />}
    </>
  );
}
