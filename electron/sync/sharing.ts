import { StillframeError } from '../../shared/errors';
import { memberSchema, type Member, type MemberRole } from '../../shared/sharing-contract';
import type { SyncService } from './sync-service';

/** The server's refusals come as its own sentences (see supabase/migrations); these say the rest in words. */
function sharingError(error: { message: string; code?: string }): StillframeError {
  if (error.code === '42501') return new StillframeError('access-denied', error.message);
  if (error.code === '23514' || error.code === '22023' || error.code === 'P0001') return new StillframeError('invalid-input', error.message);
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|network/i.test(error.message)) {
    return new StillframeError('network', 'Can’t reach the Supabase project: sharing needs a connection.');
  }
  return new StillframeError('internal', `The Supabase project answered: ${error.message}`);
}

/**
 * Sharing a synced project by email and role, over the functions in supabase/migrations (invite_member,
 * set_member_role, remove_member, list_members): the server decides who may do what; this only asks and reports.
 */
export class ProjectSharing {
  constructor(private readonly sync: SyncService) {}

  private async rpc(name: string, args: Record<string, unknown>): Promise<unknown> {
    await this.sync.session.session();
    const client = await this.sync.session.supabase();
    const { data, error } = await client.rpc(name, args);
    if (error) throw sharingError(error);
    return data;
  }

  async members(projectId: string): Promise<Member[]> {
    const rows = (await this.rpc('list_members', { project_id: projectId })) as { user_id: string | null; email: string; role: string; pending: boolean }[];
    return rows.map((row) => memberSchema.parse({ userId: row.user_id, email: row.email, role: row.role, pending: row.pending }));
  }

  async invite(projectId: string, email: string, role: MemberRole): Promise<{ status: 'added' | 'invited'; email: string; role: MemberRole; message: string }> {
    const answer = (await this.rpc('invite_member', { project_id: projectId, email, role })) as { status: 'added' | 'invited'; email: string };
    const message =
      answer.status === 'added'
        ? `${answer.email} is now a member (${role}): the project appears on their next sync.`
        : `${answer.email} has no account yet: they become a member (${role}) when they sign up with that address.`;
    return { status: answer.status, email: answer.email, role, message };
  }

  async setRole(projectId: string, userId: string, role: MemberRole): Promise<Member[]> {
    await this.rpc('set_member_role', { project_id: projectId, user_id: userId, role });
    return this.members(projectId);
  }

  async remove(projectId: string, userId: string): Promise<Member[]> {
    await this.rpc('remove_member', { project_id: projectId, user_id: userId });
    return this.members(projectId);
  }

  /** Leaves the project; the next pull finds the person no longer a member and marks the local copy. */
  async leave(projectId: string): Promise<void> {
    const user = this.sync.session.storedUser();
    if (!user) throw new StillframeError('sign-in-required', 'Sign in to your Supabase project first.');
    await this.rpc('remove_member', { project_id: projectId, user_id: user.id });
    await this.sync.pullProjects([projectId]);
  }
}
