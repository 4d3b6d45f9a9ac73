import type { z } from 'zod';
import { calls, type CallInput, type CallName, type CallOutput } from '../../shared/contract';
import type { Batch, Project } from '../../shared/domain';
import { StillframeError } from '../../shared/errors';
import { dispatch } from '../api/dispatch';
import { createHandlers } from '../api/handlers';
import type { Services } from '../services';

/** The call's input fields a command fills from its flags, by the flag's name. */
export type FlagNames = Readonly<Record<string, string>>;

export interface CliApi {
  /** One call to the app's own handlers, through dispatch: the CLI follows exactly the rules the app follows. */
  invoke<C extends CallName>(name: C, input: CallInput<C>, flags?: FlagNames): Promise<CallOutput<C>>;
}

/** What the call's schema refused, said in terms of the flag that carried it. */
function flagProblem(issue: z.core.$ZodIssue, flags: FlagNames): string {
  const field = String(issue.path[0] ?? '');
  const flag = flags[field] ?? field;
  if (issue.code === 'invalid_value') return `${flag} must be one of: ${issue.values.map(String).join(', ')}.`;
  return `${flag}: ${issue.message}`;
}

export function cliApi(services: Services): CliApi {
  const handlers = createHandlers(services);
  return {
    async invoke(name, input, flags = {}) {
      const parsed = calls[name].input.safeParse(input);
      if (!parsed.success) {
        throw new StillframeError('invalid-input', parsed.error.issues.map((issue) => flagProblem(issue, flags)).join('\n'));
      }
      // The CLI reports an unexpected failure itself (message and detail), so dispatch need not log it too.
      const result = await dispatch(handlers, name, input, () => undefined);
      if (!result.ok) throw new StillframeError(result.error.code, result.error.message, result.error.detail);
      return result.value as CallOutput<typeof name>;
    },
  };
}

/** Names a person types are looked up as the library stores them (trimmed, NFC). */
export const sameName = (stored: string, typed: string) => stored === typed.normalize('NFC').trim();

export async function projectNamed(api: CliApi, name: string): Promise<Project> {
  const project = (await api.invoke('projects.list', {})).find((candidate) => sameName(candidate.name, name));
  if (!project) throw new StillframeError('not-found', `There is no project named “${name}”.`);
  return project;
}

export async function batchNamed(api: CliApi, project: Project, name: string): Promise<Batch> {
  const batch = (await api.invoke('batches.list', { projectId: project.id })).find((candidate) => sameName(candidate.name, name));
  if (!batch) throw new StillframeError('not-found', `“${project.name}” has no batch named “${name}”.`);
  return batch;
}
