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

/** One of the media tools Stillframe runs: which file, where it came from, and what it says its version is. */
const mediaToolSchema = z.object({
  name: z.enum(['ffmpeg', 'ffprobe']),
  /** The executable in use; null when none was found. */
  path: z.string().nullable(),
  /** Its environment variable (FFMPEG_PATH / FFPROBE_PATH), the copy bundled with Stillframe, or the PATH. */
  source: z.enum(['environment', 'bundled', 'path']).nullable(),
  envVar: z.enum(['FFMPEG_PATH', 'FFPROBE_PATH']),
  /** The first line of `-version`, e.g. "ffmpeg version 7.1.1-1+b1"; null when it could not be run. */
  version: z.string().nullable(),
  /** Why it is missing or cannot be run, in the person's words; null when it runs. */
  problem: z.string().nullable(),
});
export type MediaTool = z.infer<typeof mediaToolSchema>;

/** The settings calls; shared/contract.ts spreads them into `calls`. */
export const settingsCalls = {
  'settings.get': call(empty, settingsSchema),
  /** Saves the key encrypted by the operating system; refused ('no-secure-storage') where that is impossible. */
  'settings.setLoomApiKey': call(z.object({ apiKey: loomApiKeySchema }).strict(), settingsSchema),
  'settings.clearLoomApiKey': call(empty, settingsSchema),
  /** The FFmpeg and ffprobe in use, for the Settings screen. */
  'settings.mediaTools': call(empty, z.array(mediaToolSchema)),
} as const;
