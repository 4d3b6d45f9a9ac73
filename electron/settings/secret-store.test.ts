import { describe, expect, it } from 'vitest';
import { openDatabase } from '../library/database';
import { libraryPaths } from '../library/paths';
import { safeStorageStandIn } from '../test-support/safe-storage-stand-in';
import { tempLibraryDir } from '../test-support/temp-library';
import { environmentOnlySecrets, safeStorageSecrets, secretMessages } from './secret-store';

const key = 'lk_live_3f9a8c7e1d2b4a6f';

function library() {
  return openDatabase(libraryPaths(tempLibraryDir()).database);
}

function storedBytes(db: ReturnType<typeof library>): Buffer[] {
  return db.prepare('SELECT ciphertext FROM secrets').all().map((row) => Buffer.from(row.ciphertext as Uint8Array));
}

describe('secrets kept with safeStorage', () => {
  it('keeps only ciphertext in the library, and reads, replaces and forgets the key', () => {
    const db = library();
    const secrets = safeStorageSecrets(db, safeStorageStandIn(), 'linux');
    expect(secrets.unavailableReason()).toBeNull();
    expect(secrets.read('loom-api-key')).toEqual({ state: 'none' });

    secrets.write('loom-api-key', key);
    const [ciphertext] = storedBytes(db);
    expect(ciphertext?.includes(key)).toBe(false);
    expect(secrets.read('loom-api-key')).toEqual({ state: 'saved', value: key });

    secrets.write('loom-api-key', 'lk_live_replacement');
    expect(storedBytes(db)).toHaveLength(1);
    expect(secrets.read('loom-api-key')).toEqual({ state: 'saved', value: 'lk_live_replacement' });

    secrets.remove('loom-api-key');
    expect(storedBytes(db)).toEqual([]);
    expect(secrets.read('loom-api-key')).toEqual({ state: 'none' });
    db.close();
  });

  it('reports a key another computer saved as unreadable instead of failing', () => {
    const db = library();
    safeStorageSecrets(db, safeStorageStandIn(), 'win32').write('loom-api-key', key);
    const elsewhere = safeStorageSecrets(db, safeStorageStandIn(), 'win32');
    expect(elsewhere.read('loom-api-key')).toEqual({ state: 'unreadable' });
    elsewhere.write('loom-api-key', key);
    expect(elsewhere.read('loom-api-key')).toEqual({ state: 'saved', value: key });
    db.close();
  });

  it('refuses to save where the keychain is unavailable, and on Linux where it would be plain text', () => {
    const db = library();
    const cases = [
      { secrets: safeStorageSecrets(db, safeStorageStandIn({ available: false }), 'darwin'), reason: secretMessages.encryptionUnavailable },
      { secrets: safeStorageSecrets(db, safeStorageStandIn({ backend: 'basic_text' }), 'linux'), reason: secretMessages.basicText },
      { secrets: environmentOnlySecrets, reason: secretMessages.noSafeStorage },
    ];
    for (const { secrets, reason } of cases) {
      expect(secrets.unavailableReason()).toBe(reason);
      expect(() => secrets.write('loom-api-key', key)).toThrow(expect.objectContaining({ code: 'no-secure-storage', message: reason }));
    }
    expect(storedBytes(db)).toEqual([]);

    // The backend question is Linux's alone: elsewhere the answer means nothing and must not block saving.
    const mac = safeStorageSecrets(db, safeStorageStandIn({ backend: 'basic_text' }), 'darwin');
    expect(mac.unavailableReason()).toBeNull();
    mac.write('loom-api-key', key);
    expect(mac.read('loom-api-key')).toEqual({ state: 'saved', value: key });
    db.close();
  });
});
