import path from 'node:path';
import { labelStudioFileName, readLabelStudio } from '../../../shared/formats/label-studio';
import type { DatasetSource, SourceOptions } from '../sources';
import { findFile, imageIndex, parseJson, readText } from './files';

/** Label Studio's JSON export; its images, which stay on the Label Studio server, from --images or beside the file. */
export async function readLabelStudioSource(from: string, options: SourceOptions): Promise<DatasetSource> {
  const file = await findFile(from, ['result.json'], ['.json'], 'Label Studio JSON export');
  const root = path.dirname(file);
  const studio = readLabelStudio(parseJson(await readText(file), file), path.basename(file));
  const index = await imageIndex([...(options.images ? [path.resolve(options.images)] : []), root]);
  const images = studio.tasks.map((task) => {
    const fileName = labelStudioFileName(task.image);
    // Uploaded files keep their prefixed name in Label Studio's media folder; a copy may have either name.
    const original = task.image.split(/[\\/]/).pop() ?? fileName;
    const found = index.get(fileName.toLowerCase()) ?? index.get(original.toLowerCase()) ?? null;
    return { item: task.image, fileName, file: found, width: task.width, height: task.height, shapes: task.shapes, placement: null, batch: null };
  });
  return {
    format: 'label-studio',
    found: `Label Studio JSON export (${path.basename(file)}${options.images ? `, images from ${options.images}` : ''})`,
    root,
    labels: studio.labels,
    images,
    problems: studio.problems,
    warnings: studio.warnings,
    converted: [],
    layout: null,
  };
}
