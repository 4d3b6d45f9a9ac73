import { z } from 'zod';
import { defineCall } from './define-call';

const call = defineCall;
const empty = z.object({}).strict();

/** Loom API keys are tokens: printable ASCII without spaces, which is also what an HTTP header can carry. */
export const loomApiKeySchema = z
  .string()
  .trim()
  .min(1, 'Enter the Loom API key.')
  .max(4096, 'That is longer than any Loom API key.')
  .regex(/^[\x21-\x7e]+$/, 'A Loom API key has no spaces and only letters, digits and punctuation.');

/** What the UI may know about the settings. The key itself never leaves the host: only where it comes from. */
export const settingsSchema = z.object({
  secretStorage: z.object({
    /** Whether this host can keep a secret encrypted by the operating system (Electron's safeStorage). */
    available: z.boolean(),
    /** Why not, in the person's words; null when it can. */
    reason: z.string().nullable(),
  }),
  loom: z.object({
    /** The key sent to Loom: LOOM_API_KEY from the environment wins over the one saved in the app. */
    apiKeySource: z.enum(['environment', 'saved', 'none']),
    /** The library's saved key: none, one this computer can decrypt, or one it cannot. */
    savedKey: z.enum(['none', 'saved', 'unreadable']),
    /** The address Stillframe asks for Loom videos; only LOOM_BASE_URL changes it. */
    baseUrl: z.string(),
  }),
});
export type Settings = z.infer<typeof settingsSchema>;

/** The settings calls; shared/contract.ts spreads them into `calls`. */
export const settingsCalls = {
  'settings.get': call(empty, settingsSchema),
  /** Saves the key encrypted by the operating system; refused ('no-secure-storage') where that is impossible. */
  'settings.setLoomApiKey': call(z.object({ apiKey: loomApiKeySchema }).strict(), settingsSchema),
  'settings.clearLoomApiKey': call(empty, settingsSchema),
} as const;
