import { describe, expect, it } from 'vitest';
import { StillframeError } from './errors';
import { looksLikeLoomLink, notALoomLinkMessage, parseLoomLink } from './loom-links';

const id = '43d05f362f734614a2e81b4694a3a523';
const folderId = '997db4db046f43e5912f10dc5f817b5c';
const video = { kind: 'video', id, shareUrl: `https://www.loom.com/share/${id}` };
const folder = { kind: 'folder', id: folderId, shareUrl: `https://www.loom.com/share/folder/${folderId}` };

describe('parseLoomLink', () => {
  it.each([
    `https://www.loom.com/share/${id}`,
    `https://loom.com/share/${id}`,
    `https://www.loom.com/share/${id}/`,
    `https://www.loom.com/share/${id}?sid=c428a2c3-2562-4414-99bd-f1e0a2bfe0b5`,
    `https://www.loom.com/share/${id}#t=12`,
    `https://www.loom.com/share/${id}?sid=1#t=12`,
    `https://www.loom.com/embed/${id}`,
    `https://www.loom.com/embed/${id}?hide_owner=true`,
    `https://www.loom.com/share/Meet-AI-workflows-${id}`,
    `https://www.loom.com/share/Unlocking-Incredible-Organizational-Velocity-with-Async-Video-${id}?sid=x`,
    `  https://WWW.LOOM.COM/share/${id}  `,
  ])('reads the video link %s', (text) => {
    expect(parseLoomLink(text)).toEqual(video);
  });

  it.each([
    `https://www.loom.com/share/folder/${folderId}`,
    `https://loom.com/share/folder/${folderId}/`,
    `https://www.loom.com/share/folder/${folderId}?sid=1`,
    `https://www.loom.com/share/folder/${folderId}/Edpuzzle`,
  ])('reads the folder link %s', (text) => {
    expect(parseLoomLink(text)).toEqual(folder);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['plain http', `http://www.loom.com/share/${id}`],
    ['another host ending in loom.com', `https://loom.com.evil.io/share/${id}`],
    ['a subdomain that is not www', `https://cdn.loom.com/share/${id}`],
    ['a look-alike host', `https://evilloom.com/share/${id}`],
    ['loom.com in the path only', `https://evil.io/www.loom.com/share/${id}`],
    ['credentials in front of another host', `https://www.loom.com@evil.io/share/${id}`],
    ['credentials on the Loom host', `https://user:pw@www.loom.com/share/${id}`],
    ['a port', `https://www.loom.com:8443/share/${id}`],
    ['a short id', `https://www.loom.com/share/${id.slice(1)}`],
    ['a long id', `https://www.loom.com/share/${id}0`],
    ['a non-hex id', `https://www.loom.com/share/${id.slice(1)}g`],
    ['an upper-case id', `https://www.loom.com/share/${id.toUpperCase()}`],
    ['a slug glued to the id', `https://www.loom.com/share/title${id}`],
    ['more path after the id', `https://www.loom.com/share/${id}/download`],
    ['the share page itself', 'https://www.loom.com/share/'],
    ['another Loom page', 'https://www.loom.com/looms/videos'],
    ['a folder link without an id', 'https://www.loom.com/share/folder/'],
    ['a folder with a short id', `https://www.loom.com/share/folder/${folderId.slice(2)}`],
    ['a folder link with two extra segments', `https://www.loom.com/share/folder/${folderId}/a/b`],
    ['an embedded folder', `https://www.loom.com/embed/folder/${folderId}`],
    ['javascript:', `javascript:alert('https://www.loom.com/share/${id}')`],
    ['data:', `data:text/html,https://www.loom.com/share/${id}`],
    ['file:', `file:///www.loom.com/share/${id}`],
    ['a bare id', id],
    ['no scheme', `www.loom.com/share/${id}`],
    ['percent-encoded id', `https://www.loom.com/share/%34${id.slice(1)}`],
  ])('refuses %s', (_name, text) => {
    let error: unknown;
    try {
      parseLoomLink(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StillframeError);
    expect(error).toMatchObject({ code: 'invalid-input', message: notALoomLinkMessage });
  });

  it('gives the exact message the import dialog shows', () => {
    expect(() => parseLoomLink('https://example.com')).toThrow(
      'That is not a Loom link. A Loom link looks like https://www.loom.com/share/0123456789abcdef0123456789abcdef.',
    );
  });
});

describe('looksLikeLoomLink', () => {
  it.each([
    [`https://www.loom.com/share/${id}`, true],
    [`http://loom.com/share/${id}`, true],
    ['HTTPS://WWW.LOOM.COM/share/x', true],
    ['https://loom.com.evil.io/x', true],
    ['/videos/loom.com.mp4', false],
    ['loom.com/share/x', false],
    ['C:\\videos\\clip.mp4', false],
    ['https://example.com/video.mp4', false],
  ])('%s → %s', (text, expected) => {
    expect(looksLikeLoomLink(text)).toBe(expected);
  });
});
