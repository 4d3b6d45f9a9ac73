import { StillframeError } from '../../shared/errors';
import type { Database, Row } from '../library/database';

/**
 * The part of Electron's `safeStorage` this store uses. main.ts passes the real one; no other file may import
 * `electron`, and the tests pass a stand-in.
 */
export interface SafeStorage {
  isEncryptionAvailable(): boolean;
  /** Linux only. */
  getSelectedStorageBackend(): string;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export type SecretName = 'loom-api-key' | 'supabase-session';

export type SecretRead =
  | { state: 'none' }
  | { state: 'saved'; value: string }
  /** Saved, but this computer cannot decrypt it: another computer or user account saved it, or the keyring changed. */
  | { state: 'unreadable' };

/** Secrets kept in the library, encrypted by the operating system; never in plain text. */
export interface SecretStore {
  /** Why this host cannot keep secrets, in words for the person; null when it can. */
  unavailableReason(): string | null;
  read(name: SecretName): SecretRead;
  /** Throws 'no-secure-storage' with `unavailableReason()` where secrets cannot be kept safely. */
  write(name: SecretName, value: string): void;
  remove(name: SecretName): void;
}

export const secretMessages = {
  noSafeStorage:
    'This window can’t store secrets securely. Set LOOM_API_KEY in the environment of the Stillframe process instead.',
  encryptionUnavailable:
    'This computer’s keychain is not available to Stillframe, so it will not save the key. Set LOOM_API_KEY in the environment instead.',
  basicText:
    'No system keyring (such as GNOME Keyring or KWallet) is running, so the key could only be saved in plain text, which Stillframe will not do. Start a keyring, or set LOOM_API_KEY in the environment instead.',
  encryptFailed: 'The keychain refused to encrypt the key, so it was not saved.',
} as const;

/** For the CLI and the browser host, which have no safeStorage: nothing is stored, and nothing pretends to be. */
export const environmentOnlySecrets: SecretStore = {
  unavailableReason: () => secretMessages.noSafeStorage,
  read: () => ({ state: 'none' }),
  write: () => {
    throw new StillframeError('no-secure-storage', secretMessages.noSafeStorage);
  },
  remove: () => undefined,
};

/**
 * Keeps each secret as `safeStorage` ciphertext in the library's `secrets` table. Refuses to write where
 * `safeStorage` would not really protect it: no keychain at all, or Linux's `basic_text` backend, which encrypts with
 * a password hard-coded in Chromium.
 */
export function safeStorageSecrets(db: Database, safeStorage: SafeStorage, platform: NodeJS.Platform): SecretStore {
  const unavailableReason = (): string | null => {
    if (!safeStorage.isEncryptionAvailable()) return secretMessages.encryptionUnavailable;
    if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return secretMessages.basicText;
    return null;
  };

  return {
    unavailableReason,
    read(name) {
      const row = db.prepare('SELECT ciphertext FROM secrets WHERE name = ?').get(name) as Row | undefined;
      if (row === undefined) return { state: 'none' };
      try {
        return { state: 'saved', value: safeStorage.decryptString(Buffer.from(row.ciphertext as Uint8Array)) };
      } catch {
        return { state: 'unreadable' };
      }
    },
    write(name, value) {
      const reason = unavailableReason();
      if (reason !== null) throw new StillframeError('no-secure-storage', reason);
      let ciphertext: Buffer;
      try {
        ciphertext = safeStorage.encryptString(value);
      } catch (error) {
        throw new StillframeError('no-secure-storage', secretMessages.encryptFailed, error instanceof Error ? error.message : String(error));
      }
      db.prepare(
        `INSERT INTO secrets (name, ciphertext, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      ).run(name, ciphertext, Date.now());
    },
    remove(name) {
      db.prepare('DELETE FROM secrets WHERE name = ?').run(name);
    },
  };
}
