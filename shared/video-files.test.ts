import { describe, expect, it } from 'vitest';
import { hasVideoExtension, videoAccept } from './video-files';

describe('the one list of video file extensions', () => {
  it('sorts names by their extension, whatever its case, and feeds the file picker', () => {
    expect(['clip.MP4', 'a.mkv', 'b.ts', 'notes.txt', 'mp4', '.mp4', 'archive.mp4.zip'].map(hasVideoExtension)).toEqual([true, true, true, false, false, false, false]);
    expect(videoAccept.split(',')).toEqual(expect.arrayContaining(['video/*', '.mkv', '.mts', '.webm']));
  });
});
