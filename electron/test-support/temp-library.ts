import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { openServices, type ServiceOptions, type Services } from '../services';

const opened: Services[] = [];

/** A fresh library folder with its services, closed after the test. */
export function tempLibraryDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'stillframe-test-'));
}

export function openTestServices(options: Partial<ServiceOptions> = {}): Services {
  const services = openServices({ libraryDir: options.libraryDir ?? tempLibraryDir(), ...options });
  opened.push(services);
  return services;
}

afterEach(async () => {
  while (opened.length > 0) await opened.pop()?.close();
});

/** The real sample clips, beside the project (see ../shared/media/README.md for their attribution). */
export const mediaDir = fileURLToPath(new URL('../../../shared/media', import.meta.url));
