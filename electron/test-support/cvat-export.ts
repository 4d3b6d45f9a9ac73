import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempLibraryDir } from './temp-library';

/** The first image's name in a cvatExport folder. */
export const firstCvatImage = 'shot-000.jpg';

/**
 * A CVAT for images export of `imageCount` real 1280×720 JPEGs (FFmpeg's test pattern), one "sign" box each: enough
 * work, in the kill tests, that kills land inside an import or an export of it.
 */
export function cvatExport(imageCount: number): string {
  const root = path.join(tempLibraryDir(), 'cvat-task');
  mkdirSync(path.join(root, 'images'), { recursive: true });
  const first = path.join(root, 'images', firstCvatImage);
  execFileSync(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=1280x720', '-frames:v', '1', first]);
  const images: string[] = [];
  for (let i = 0; i < imageCount; i++) {
    const name = `shot-${String(i).padStart(3, '0')}.jpg`;
    if (i > 0) copyFileSync(first, path.join(root, 'images', name));
    images.push(`<image id="${i}" name="${name}" width="1280" height="720"><box label="sign" occluded="0" xtl="${i}" ytl="10" xbr="${i + 50}" ybr="60" z_order="0"></box></image>`);
  }
  writeFileSync(
    path.join(root, 'annotations.xml'),
    `<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version><meta><task><labels><label><name>sign</name></label></labels></task></meta>\n${images.join('\n')}\n</annotations>\n`,
  );
  return root;
}
