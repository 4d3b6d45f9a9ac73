/**
 * Names of frame images inside exported datasets. Frames of different videos share file names (frame_000001.jpg),
 * and every dataset format keys its annotations on the image's name, so an exported image is named after its video
 * too: `<video>_<frame file>`. The same rule names the project's frames when an import matches images back to them.
 */

const maxPartLength = 60;

export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The last segment of a path written with either kind of slash. */
export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/**
 * Letters and digits of any script, dots, dashes and underscores; anything else becomes `_`. Such a name means the
 * same on every file system and in every archive tool, and never reaches outside its folder.
 */
export function safeFileName(name: string, fallback = 'image'): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+/, '');
  return cleaned.length > 0 ? cleaned : fallback;
}

function videoPart(videoName: string): string {
  return safeFileName(stemOf(baseName(videoName)), 'video').slice(0, maxPartLength);
}

/**
 * One prefix per video, unique ignoring case (as file systems on Windows and macOS compare names): a later video
 * whose name is taken gets -2, -3 … `videos` must come in creation order so that prefixes never change.
 */
export function videoPrefixes(videos: readonly { id: string; name: string }[]): Map<string, string> {
  const taken = new Set<string>();
  const prefixes = new Map<string, string>();
  for (const video of videos) {
    const base = videoPart(video.name);
    let prefix = base;
    for (let n = 2; taken.has(prefix.toLowerCase()); n++) prefix = `${base}-${n}`;
    taken.add(prefix.toLowerCase());
    prefixes.set(video.id, prefix);
  }
  return prefixes;
}

export function datasetFileName(videoPrefix: string, frameFile: string): string {
  return `${videoPrefix}_${safeFileName(baseName(frameFile))}`;
}
