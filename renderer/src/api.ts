import type { StillframeBridge } from '../../shared/bridge';
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../shared/contract';
import { StillframeError } from '../../shared/errors';

declare global {
  interface Window {
    stillframe?: StillframeBridge;
  }
}

function bridge(): StillframeBridge {
  if (!window.stillframe) throw new Error('Stillframe’s bridge is not connected.');
  return window.stillframe;
}

/** Calls the host and returns the value, or throws a StillframeError carrying the host's message for people. */
export async function call<C extends CallName>(name: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = await bridge().invoke(name, input);
  if (result.ok) return result.value;
  throw new StillframeError(result.error.code, result.error.message, result.error.detail);
}

export function subscribe<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
  return bridge().subscribe(event, handler);
}

export function mediaUrl(libraryRelativePath: string): string {
  return bridge().mediaUrl(libraryRelativePath);
}

export function hostBridge(): StillframeBridge {
  return bridge();
}
