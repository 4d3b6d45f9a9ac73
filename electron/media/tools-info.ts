import type { MediaTool } from '../../shared/settings-contract';
import { toAppError } from '../../shared/errors';
import { ffmpegSources, ffprobeSources, locateBinary, type BinarySources } from './binaries';
import { runTool } from './runner';

const versionTimeoutMs = 10_000;

async function describeTool(sources: BinarySources): Promise<MediaTool> {
  const base = { name: sources.name, envVar: sources.envVar } as const;
  let located: ReturnType<typeof locateBinary>;
  try {
    located = locateBinary(sources);
  } catch (error) {
    const appError = toAppError(error);
    return { ...base, path: null, source: null, version: null, problem: appError.detail ?? appError.message };
  }
  try {
    const run = await runTool(located.path, ['-hide_banner', '-version'], { signal: AbortSignal.timeout(versionTimeoutMs) });
    const first = run.stdout.split('\n')[0]?.trim() ?? '';
    if (run.code === 0 && first !== '') return { ...base, ...located, version: first, problem: null };
    return { ...base, ...located, version: null, problem: `It did not say its version (exit code ${run.code}).` };
  } catch (error) {
    return { ...base, ...located, version: null, problem: toAppError(error).message };
  }
}

/** Which FFmpeg and ffprobe Stillframe runs, where each came from and its version: what Settings shows. */
export function describeMediaTools(): Promise<MediaTool[]> {
  return Promise.all([describeTool(ffmpegSources()), describeTool(ffprobeSources())]);
}
