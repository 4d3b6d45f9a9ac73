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

const units: Partial<Record<string, string>> = { string: ' characters', array: ' items' };

/** What the call's schema refused, said in terms of the flag that carried it; a rule of the whole call as it is. */
function flagProblem(issue: z.core.$ZodIssue, flags: FlagNames): { flag: string; bound?: number; text: string } {
  if (issue.path.length === 0) return { flag: '', text: issue.message };
  const dotted = issue.path.map(String).join('.');
  const flag = flags[dotted] ?? flags[String(issue.path[0])] ?? dotted;
  switch (issue.code) {
    case 'invalid_value':
      return { flag, text: `${flag} must be one of: ${issue.values.map(String).join(', ')}.` };
    case 'too_big':
      return { flag, bound: Number(issue.maximum), text: `${flag} must be at most ${String(issue.maximum)}${units[issue.origin] ?? ''}.` };
    case 'too_small':
      return { flag, bound: -Number(issue.minimum), text: `${flag} must be at least ${String(issue.minimum)}${units[issue.origin] ?? ''}.` };
    case 'invalid_type':
      return { flag, text: issue.expected === 'number' || issue.expected === 'int' ? `${flag} needs a number.` : `${flag}: ${issue.message}` };
    default:
      return { flag, text: `${flag}: ${issue.message}` };
  }
}

/** One line per flag: of several limits one value broke (a whole number's, the call's own), the tightest. */
function flagProblems(issues: readonly z.core.$ZodIssue[], flags: FlagNames): string {
  const byFlag = new Map<string, ReturnType<typeof flagProblem>>();
  for (const problem of issues.map((issue) => flagProblem(issue, flags))) {
    const kept = problem.flag === '' ? undefined : byFlag.get(problem.flag);
    const tighter = kept?.bound !== undefined && problem.bound !== undefined && problem.bound < kept.bound;
    if (kept === undefined || tighter) byFlag.set(problem.flag === '' ? `(${byFlag.size})` : problem.flag, problem);
  }
  return [...byFlag.values()].map((problem) => problem.text).join('\n');
}

export function cliApi(services: Services): CliApi {
  const handlers = createHandlers(services);
  return {
    async invoke(name, input, flags = {}) {
      const parsed = calls[name].input.safeParse(input);
      if (!parsed.success) {
        throw new StillframeError('invalid-input', flagProblems(parsed.error.issues, flags));
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
