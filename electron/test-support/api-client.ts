import type { CallInput, CallName, CallOutput } from '../../shared/contract';
import { dispatch } from '../api/dispatch';
import { createHandlers } from '../api/handlers';
import type { Services } from '../services';

/**
 * Calls the services exactly as a host does, through `dispatch` and its validation. `invoke` returns the value or
 * throws the typed error; `attempt` returns the raw result, for asserting on refusals.
 */
export function apiClient(services: Services) {
  const handlers = createHandlers(services);
  const invoke = async <C extends CallName>(name: C, input: CallInput<C>): Promise<CallOutput<C>> => {
    const result = await dispatch(handlers, name, input);
    if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
    return result.value as CallOutput<C>;
  };
  return { invoke, attempt: (name: string, input: unknown) => dispatch(handlers, name, input) };
}
