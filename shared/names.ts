import { StillframeError } from './errors';

export const projectNameMaxLength = 100;
export const batchNameMaxLength = 50;

function checkName(kind: 'project' | 'batch', raw: string, max: number): string {
  const name = raw.normalize('NFC').trim();
  const Kind = kind === 'project' ? 'Project' : 'Batch';
  if (name.length === 0) throw new StillframeError('invalid-input', `${Kind} name is required.`);
  if ([...name].length > max) {
    throw new StillframeError('invalid-input', `${Kind} name is too long: at most ${max} characters.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new StillframeError('invalid-input', `${Kind} name cannot contain control characters.`);
  }
  // Invisible and text-direction characters (U+200B, U+202E …) let one name pose as another. Joiners stay: scripts
  // such as Persian and emoji sequences need them.
  const hidden = /(?![\u200c\u200d])\p{Cf}/u.exec(name)?.[0];
  if (hidden !== undefined) {
    const codePoint = `U+${(hidden.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new StillframeError(
      'invalid-input',
      `${Kind} name cannot contain invisible or text-direction characters (it has ${codePoint}), which can make it look like another name.`,
    );
  }
  return name;
}

/** Trimmed and checked; throws a message a person can act on. */
export function validateProjectName(raw: string): string {
  return checkName('project', raw, projectNameMaxLength);
}

export function validateBatchName(raw: string): string {
  return checkName('batch', raw, batchNameMaxLength);
}

const windowsReserved = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
const slugMaxLength = 60;

/**
 * A folder name that is safe on every platform: letters and digits of any script, joined by single dashes.
 * Separators, dots, control characters and Windows device names never survive, so no batch name can reach
 * outside its project's folder.
 */
export function slugify(name: string): string {
  const base = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, slugMaxLength)
    .replace(/-+$/g, '');
  if (base.length === 0) return 'batch';
  return windowsReserved.test(base) ? `${base}-batch` : base;
}

/** The slug, suffixed with -2, -3 … until it is not among `taken`. */
export function uniqueSlug(name: string, taken: ReadonlySet<string>): string {
  const base = slugify(name);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The import dialog's default batch name, `YYYY-MM-DD HH:mm import`, in the person's local time. */
export function defaultBatchName(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())} import`;
}

/** How long a name counts as against its limit: the same normalising and trimming the checks above apply. */
export function nameLength(raw: string): number {
  return [...raw.normalize('NFC').trim()].length;
}
