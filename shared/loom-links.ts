import { StillframeError } from './errors';

export type LoomLink = {
  kind: 'video' | 'folder';
  /** 32 lowercase hex digits. */
  id: string;
  /** Canonical https://www.loom.com/share/<id> or https://www.loom.com/share/folder/<id>. */
  shareUrl: string;
};

export const notALoomLinkMessage =
  'That is not a Loom link. A Loom link looks like https://www.loom.com/share/0123456789abcdef0123456789abcdef.';

const loomHosts = new Set(['www.loom.com', 'loom.com']);
const idPattern = /^[0-9a-f]{32}$/;
// Loom also hands out share links with the title in front of the id, e.g. /share/Meet-AI-workflows-<id>.
const sluggedIdPattern = /^(?:[^/]+-)?([0-9a-f]{32})$/;

export function isLoomId(text: string): boolean {
  return idPattern.test(text);
}

export function loomShareUrl(kind: LoomLink['kind'], id: string): string {
  return kind === 'folder' ? `https://www.loom.com/share/folder/${id}` : `https://www.loom.com/share/${id}`;
}

function idFromPath(segments: readonly string[]): LoomLink | null {
  const [first, second, third, ...rest] = segments;
  if (first === 'share' && second === 'folder' && third !== undefined && isLoomId(third)) {
    // Folder links may carry the folder's name as one more segment (…/folder/<id>/Lessons).
    return rest.length <= 1 ? { kind: 'folder', id: third, shareUrl: loomShareUrl('folder', third) } : null;
  }
  if (third !== undefined || second === undefined) return null;
  const id = first === 'share' ? sluggedIdPattern.exec(second)?.[1] : first === 'embed' && isLoomId(second) ? second : undefined;
  return id === undefined ? null : { kind: 'video', id, shareUrl: loomShareUrl('video', id) };
}

/**
 * Reads a Loom share, embed or folder link. Anything else is refused here, before the app sends a single request, so
 * a pasted address can never make Stillframe talk to a host other than Loom.
 */
export function parseLoomLink(text: string): LoomLink {
  const refuse = (): never => {
    throw new StillframeError('invalid-input', notALoomLinkMessage, text.slice(0, 500));
  };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return refuse();
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return refuse();
  if (!loomHosts.has(url.hostname)) return refuse();
  const segments = url.pathname.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  return idFromPath(segments) ?? refuse();
}

/**
 * Whether a command-line argument is a web address rather than a file name. Every one goes to the Loom link check,
 * so a web address that is not Loom's is refused as such, not looked for on disk as a file called `video.mp4`.
 */
export function isWebAddress(text: string): boolean {
  return /^https?:\/\//i.test(text.trim());
}

/** A cheap guess at whether a command-line argument is meant as a Loom link rather than a file name. */
export function looksLikeLoomLink(text: string): boolean {
  const trimmed = text.trim().toLowerCase();
  return /^https?:\/\//.test(trimmed) && trimmed.includes('loom.com');
}
