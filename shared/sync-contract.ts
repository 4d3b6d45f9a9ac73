import { z } from 'zod';
import { defineCall } from './define-call';
import { idSchema } from './domain';

const call = defineCall;
const empty = z.object({}).strict();

// The wire: what push_changes and pull_changes take and return (the public interface in supabase/migrations).

export const syncTableSchema = z.enum(['projects', 'batches', 'videos', 'frames', 'labels', 'annotations']);
export type SyncTable = z.infer<typeof syncTableSchema>;

/** One change for push_changes; an upsert's row holds only the columns this client changed (per-field LWW). */
export const pushChangeSchema = z.object({
  op_id: z.number().int().positive(),
  table: syncTableSchema,
  op: z.enum(['upsert', 'delete']),
  id: z.string().uuid(),
  row: z.record(z.string(), z.unknown()),
});
export type PushChange = z.infer<typeof pushChangeSchema>;

export const pushResultSchema = z.object({
  applied: z.array(z.number()),
  rejected: z.array(z.object({ op_id: z.number(), code: z.string(), message: z.string() })),
  seq: z.number().nullable().optional(),
});
export type PushResult = z.infer<typeof pushResultSchema>;

export const pulledRowSchema = z.object({
  table: syncTableSchema,
  id: z.string(),
  seq: z.number(),
  deleted_at: z.string().nullable(),
  row: z.record(z.string(), z.unknown()),
});
export type PulledRow = z.infer<typeof pulledRowSchema>;

export const pullPageSchema = z.object({
  rows: z.array(pulledRowSchema),
  next: z.number(),
  more: z.boolean(),
  /** The caller's role in the project; null once they are no longer a member. */
  role: z.string().nullable().optional(),
});
export type PullPage = z.infer<typeof pullPageSchema>;

// The app's calls and events.

export const syncSettingsSchema = z.object({
  /** The Supabase project's address, such as https://abcd.supabase.co; null until set. */
  url: z.string().nullable(),
  /** The anon (publishable) key; never a service key. */
  anonKey: z.string().nullable(),
  /** Where SUPABASE_URL / SUPABASE_ANON_KEY from the environment override what is saved. */
  fromEnvironment: z.boolean(),
});
export type SyncSettings = z.infer<typeof syncSettingsSchema>;

export const syncSettingsInputSchema = z
  .object({
    url: z
      .string()
      .trim()
      .url('Enter the project URL from Supabase’s API settings, such as https://abcd.supabase.co.')
      .refine((url) => /^https?:\/\//.test(url), 'The project URL starts with https://.'),
    anonKey: z.string().trim().min(20, 'Paste the anon (publishable) key from Supabase’s API settings.').max(4096),
  })
  .strict();

/** unshared: the person is no longer a member; the local copy stays and no longer syncs. */
export const projectSyncStateSchema = z.enum(['local', 'synced', 'waiting', 'syncing', 'offline', 'error', 'unshared']);

export const projectSyncSchema = z.object({
  projectId: idSchema,
  /** local: not linked to the cloud. */
  state: projectSyncStateSchema,
  /** Local changes not yet pushed (rows, not edits). */
  waiting: z.number(),
  /** Files not yet uploaded. */
  filesWaiting: z.number(),
  /** 0..1 while syncing, else null. */
  progress: z.number().nullable(),
  message: z.string().nullable(),
  lastSyncedAt: z.number().nullable(),
  /** The person's role in the synced project (owner, editor, viewer, worker); null for a local one or before the first pull. */
  role: z.string().nullable(),
});
export type ProjectSync = z.infer<typeof projectSyncSchema>;

export const syncStatusSchema = z.object({
  configured: z.boolean(),
  /** The signed-in person's email; null when signed out. */
  user: z.object({ id: z.string(), email: z.string().nullable() }).nullable(),
  state: z.enum(['signed-out', 'idle', 'syncing', 'offline', 'error']),
  message: z.string().nullable(),
  projects: z.array(projectSyncSchema),
  conflicts: z.number(),
  rejections: z.number(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

export const cloudProjectSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string().nullable(),
  /** Whether this library already has it. */
  local: z.boolean(),
});
export type CloudProject = z.infer<typeof cloudProjectSchema>;

export const conflictSchema = z.object({
  id: z.number(),
  projectId: z.string().nullable(),
  table: z.string(),
  rowId: z.string(),
  /** What the local edit tried to set. */
  lost: z.record(z.string(), z.unknown()),
  reason: z.string(),
  at: z.number(),
});
export type SyncConflict = z.infer<typeof conflictSchema>;

export const rejectionSchema = z.object({
  id: z.number(),
  projectId: z.string().nullable(),
  table: z.string(),
  rowId: z.string(),
  op: z.string(),
  code: z.string(),
  message: z.string(),
  at: z.number(),
});
export type SyncRejection = z.infer<typeof rejectionSchema>;

export const syncRunSchema = z.object({
  pushed: z.number(),
  rejected: z.number(),
  conflicts: z.number(),
  pulled: z.number(),
  uploaded: z.number(),
  uploadsFailed: z.number(),
  downloaded: z.number(),
  projects: z.number(),
});
export type SyncRun = z.infer<typeof syncRunSchema>;

const credentialsSchema = z
  .object({
    email: z.string().trim().email('Enter an email address, such as ana@example.com.'),
    password: z.string().min(1, 'Enter the password.').max(1024),
  })
  .strict();

/** The sync calls; shared/contract.ts spreads them into `calls`. */
export const syncCalls = {
  'sync.status': call(empty, syncStatusSchema),
  'sync.settings.get': call(empty, syncSettingsSchema),
  'sync.settings.set': call(syncSettingsInputSchema, syncSettingsSchema),
  'sync.signUp': call(credentialsSchema, z.object({ needsConfirmation: z.boolean(), status: syncStatusSchema })),
  'sync.signIn': call(credentialsSchema, syncStatusSchema),
  'sync.signOut': call(empty, syncStatusSchema),
  /** "Sync this project": puts a local project in the cloud and keeps it in step. */
  'sync.linkProject': call(z.object({ projectId: idSchema }).strict(), syncStatusSchema),
  'sync.cloudProjects': call(empty, z.array(cloudProjectSchema)),
  /** Links a cloud project into this library and pulls it. */
  'sync.openCloudProject': call(z.object({ projectId: z.string().uuid() }).strict(), syncRunSchema),
  'sync.now': call(z.object({ projectId: idSchema.optional() }).strict(), syncRunSchema),
  'sync.conflicts': call(empty, z.array(conflictSchema)),
  'sync.rejections': call(empty, z.array(rejectionSchema)),
  'sync.dismiss': call(z.object({ kind: z.enum(['conflict', 'rejection']), ids: z.array(z.number()).max(100_000) }).strict(), z.object({ dismissed: z.number() })),
  /** Downloads a frame's full image from Storage when only its thumbnail is here. */
  'sync.fetchFrame': call(z.object({ frameId: idSchema }).strict(), z.object({ downloaded: z.boolean() })),
} as const;

export const syncEvents = {
  'sync.status': syncStatusSchema,
  /**
   * Thumbnails of pulled frames that have come down since the last such event (library-relative paths, as in a
   * frame's `thumbPath`): a tile that found one missing asks for it again. Sent at most every quarter second.
   */
  'thumbnails.arrived': z.object({ projectId: idSchema, thumbPaths: z.array(z.string()) }),
} as const;
