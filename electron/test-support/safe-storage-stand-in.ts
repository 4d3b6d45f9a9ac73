import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SafeStorage } from '../settings/secret-store';

/**
 * Electron's safeStorage as the tests can have it: real AES-GCM under a key that stands for this computer's keychain,
 * so ciphertext from another stand-in (another computer) fails to decrypt, as it would in Electron.
 */
export function safeStorageStandIn(options: { available?: boolean; backend?: string } = {}): SafeStorage {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => options.available ?? true,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptString(plainText) {
      if (!(options.available ?? true)) throw new Error('Encryption is not available.');
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from('v10'), iv, cipher.getAuthTag(), body]);
    },
    decryptString(ciphertext) {
      const iv = ciphertext.subarray(3, 15);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(ciphertext.subarray(15, 31));
      return Buffer.concat([decipher.update(ciphertext.subarray(31)), decipher.final()]).toString('utf8');
    },
  };
}
