import { z } from 'zod';

/**
 * How many `library.changed` the host has announced since it started. A page reads its first screen before it
 * listens; the number at that read and the number once it listens tell it whether a change in between reached no one.
 */
export const libraryChangesSchema = z.number().int().min(0);
export type LibraryChanges = z.infer<typeof libraryChangesSchema>;
