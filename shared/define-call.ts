import type { z } from 'zod';

/** One API call's input schema (validated by every host) and output schema (the source of its TypeScript type). */
export const defineCall = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });
