/**
 * The one list of video file extensions: what a dropped folder contributes, what the file pickers offer, and what the
 * import dialog counts as a video. A file chosen by itself is probed whatever its name; this list only sorts.
 */
export const videoExtensions = [
  'mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi', 'wmv', 'flv', 'mpg', 'mpeg', 'ts', 'mts', 'm2ts', '3gp', 'ogv',
] as const;

const known = new Set<string>(videoExtensions);

export function hasVideoExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && known.has(name.slice(dot + 1).toLowerCase());
}

/** For a file input's accept attribute. */
export const videoAccept = ['video/*', ...videoExtensions.map((extension) => `.${extension}`)].join(',');
