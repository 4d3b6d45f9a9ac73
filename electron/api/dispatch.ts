import { calls, type CallName, type CallResult } from '../../shared/contract';
import { toAppError } from '../../shared/errors';
import type { Handlers } from './handlers';

function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

/**
 * The single entry for every host: checks the call name and validates the input against its schema, so a
 * malformed call from any page or script gets a typed error and never reaches a service or crashes the process.
 */
export async function dispatch(
  handlers: Handlers,
  name: unknown,
  input: unknown,
  /** Where an unexpected failure is logged; the CLI prints its own report instead. */
  logInternal: (name: CallName, error: unknown) => void = (call, error) => console.error(`Call ${call} failed`, error),
): Promise<CallResult<unknown>> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'unknown-call', message: `There is no call named ${JSON.stringify(name)}.` } };
  }
  const parsed = calls[name].input.safeParse(input ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('\n');
    return { ok: false, error: { code: 'invalid-input', message: `The request to ${name} was not valid.`, detail } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'internal') logInternal(name, error);
    return { ok: false, error: appError };
  }
}
