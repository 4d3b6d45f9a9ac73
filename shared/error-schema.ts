import { z } from 'zod';
import { errorCodes } from './errors';

/** How a failure travels in the contract's answers and in stored jobs; the codes and the error class are in errors.ts. */
export const errorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const appErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  detail: z.string().optional(),
});
export type AppErrorData = z.infer<typeof appErrorSchema>;
