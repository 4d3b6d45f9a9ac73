import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StillframeError } from '../../shared/errors';

/** Usage mistakes are invalid input, which the CLI reports with exit code 2. */
export function usageError(message: string): StillframeError {
  return new StillframeError('invalid-input', message);
}

/** Parses a command's flags next to the ones every command takes (--library, --json, --help). */
export function parseFlags<O extends ParseArgsConfig['options']>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({
      args,
      options: { library: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw usageError(`${flag} is required.`);
  return value;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw usageError(`${flag} must be one of: ${allowed.join(', ')}.`);
  return value as T;
}
