import { z } from 'zod';
import { defineCall } from './define-call';
import { idSchema } from './domain';

const call = defineCall;

/** What a person may do in a shared project; 'worker' is a headless processing machine. */
export const memberRoleSchema = z.enum(['owner', 'editor', 'viewer', 'worker']);
export type MemberRole = z.infer<typeof memberRoleSchema>;

/** The roles a person can be invited with from the Share dialog. */
export const inviteRoleSchema = z.enum(['owner', 'editor', 'viewer']);

/** One row of list_members: a member, or an invite waiting for its address to sign up (userId null). */
export const memberSchema = z.object({
  userId: z.string().nullable(),
  email: z.string(),
  role: memberRoleSchema,
  pending: z.boolean(),
});
export type Member = z.infer<typeof memberSchema>;

/** Where a person is in a project, as Realtime Presence carries it. */
export const placeSchema = z.object({
  projectId: idSchema,
  batchId: idSchema.nullable(),
  frameId: idSchema.nullable(),
});
export type Place = z.infer<typeof placeSchema>;

/** Someone else in the project right now (this machine's own entry is left out). */
export const presentPersonSchema = z.object({
  key: z.string(),
  userId: z.string(),
  email: z.string().nullable(),
  batchId: z.string().nullable(),
  frameId: z.string().nullable(),
});
export type PresentPerson = z.infer<typeof presentPersonSchema>;

const projectInput = z.object({ projectId: z.string().uuid() }).strict();
const memberInput = z.object({ projectId: z.string().uuid(), userId: z.string().uuid() }).strict();

/** Sharing a synced project and who is where; shared/contract.ts spreads them into `calls`. */
export const sharingCalls = {
  'team.members': call(projectInput, z.array(memberSchema)),
  'team.invite': call(
    z
      .object({
        projectId: z.string().uuid(),
        email: z.string().trim().toLowerCase().email('Enter an email address, such as ana@example.com.'),
        role: inviteRoleSchema,
      })
      .strict(),
    z.object({ status: z.enum(['added', 'invited']), email: z.string(), role: memberRoleSchema, message: z.string() }),
  ),
  'team.setRole': call(memberInput.extend({ role: memberRoleSchema }).strict(), z.array(memberSchema)),
  'team.remove': call(memberInput, z.array(memberSchema)),
  /** Leaves the project: it stops syncing here and the local copy stays, marked no longer shared. */
  'team.leave': call(projectInput, z.object({ projectId: z.string() })),
  /** Where this person is now (null: in no project); the others in that project see it. */
  'presence.set': call(z.object({ place: placeSchema.nullable() }).strict(), z.object({})),
  'presence.list': call(z.object({ projectId: idSchema }).strict(), z.array(presentPersonSchema)),
} as const;

export const sharingEvents = {
  /** Who else is in the project changed (someone came, left or opened another frame). */
  'presence.changed': z.object({ projectId: z.string(), people: z.array(presentPersonSchema) }),
  /** The project's members or invites changed on the server. */
  'team.membersChanged': z.object({ projectId: z.string() }),
} as const;
