/** The Electron scheme that serves library files (frames, thumbnails); see electron/media-protocol.ts. */
export const mediaScheme = 'stillframe-media';

export function electronMediaUrl(libraryRelativePath: string): string {
  return `${mediaScheme}://library/${libraryRelativePath.split('/').map(encodeURIComponent).join('/')}`;
}
