import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseName } from '../../../shared/formats/file-names';
import { readVott } from '../../../shared/formats/vott';
import type { DatasetSource, SourceOptions } from '../sources';
import { findFile, imageIndex, parseJson, readText } from './files';

/** The asset's file name from its VoTT path (file:C:/…/x.jpg, file:///home/…/x.jpg, a web address) or name. */
function assetFileName(asset: { name: string; path: string }): string {
  let name = asset.name;
  if (asset.path.startsWith('file:')) {
    try {
      name = path.basename(fileURLToPath(asset.path));
    } catch {
      name = asset.path.split(/[\\/]/).pop() ?? asset.name;
    }
  }
  return decodeURIComponent(baseName(name.replace(/#t=.*$/, '')));
}

/** VoTT's `*-export.json`, its assets beside it (vott-json-export/ when exported with the images) or in --images. */
export async function readVottSource(from: string, options: SourceOptions): Promise<DatasetSource> {
  const file = await findFile(from, [], ['-export.json'], 'VoTT *-export.json');
  const root = path.dirname(file);
  const vott = readVott(parseJson(await readText(file), file), path.basename(file));
  const index = await imageIndex([...(options.images ? [path.resolve(options.images)] : []), root]);
  const images = vott.assets.map((asset) => {
    const fileName = assetFileName(asset);
    return { item: asset.name, fileName, file: index.get(fileName.toLowerCase()) ?? null, width: asset.width, height: asset.height, shapes: asset.shapes, placement: null, batch: null };
  });
  return { format: 'vott', found: `VoTT JSON export (${path.basename(file)})`, root, labels: vott.labels, images, problems: vott.problems, warnings: [], converted: [], layout: null };
}
