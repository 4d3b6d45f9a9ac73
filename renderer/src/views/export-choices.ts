import { z } from 'zod';
import { exportFormats } from '../../../shared/formats/dataset';

/** What the export dialog remembers per project, so the next export starts where the last one ended. */
const choicesSchema = z.object({
  format: z.enum(exportFormats).catch('coco'),
  images: z.enum(['copy', 'link', 'none']).catch('copy'),
  zip: z.boolean().catch(false),
  skipEmpty: z.boolean().catch(false),
  yoloSegments: z.boolean().catch(false),
  valPercent: z.string().max(10).catch('0'),
  testPercent: z.string().max(10).catch('0'),
  splitBy: z.enum(['video', 'frame']).catch('video'),
  outDir: z.string().max(4096).catch(''),
});
export type ExportChoices = z.infer<typeof choicesSchema>;

const key = (projectId: string) => `stillframe.export.${projectId}`;

/** The last choices made for this project; defaults where there are none or what is stored is not readable. */
export function loadExportChoices(projectId: string, storage: Pick<Storage, 'getItem'> = localStorage): ExportChoices {
  let stored: unknown;
  try {
    stored = JSON.parse(storage.getItem(key(projectId)) ?? '{}');
  } catch {
    stored = {};
  }
  return choicesSchema.parse(typeof stored === 'object' && stored !== null ? stored : {});
}

export function saveExportChoices(projectId: string, choices: ExportChoices, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(key(projectId), JSON.stringify(choices));
  } catch {
    // Storage full or disabled: the choices are a convenience, the export goes ahead without them.
  }
}
