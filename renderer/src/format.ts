/**
 * One formatter each, made once (`toLocaleString` builds a new one on every call, which was a tenth of rendering a list
 * of 200 project cards) and only when first used: the first formatter of a page loads the locale's data, 15–60 ms on
 * its thread, which locale-warmup.ts has done on another by the time the first screen formats anything.
 */
let numbers: Intl.NumberFormat | undefined;
let dateTimes: Intl.DateTimeFormat | undefined;

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  numbers ??= new Intl.NumberFormat();
  return `${numbers.format(count)} ${count === 1 ? singular : pluralForm}`;
}

/**
 * A count as `plural` says it, with no line break between the number and its word ("250 / annotated"). The number has
 * no plain space to break at: Intl separates digit groups with non-breaking ones, where it uses spaces at all.
 */
export function wholeCount(count: number, singular: string, pluralForm = `${singular}s`): string {
  return plural(count, singular, pluralForm).replace(' ', '\u00a0');
}

/** Counts side by side ("1 batch · 3 videos"): a narrow box wraps them between whole counts, each "·" staying on the line before. */
export function countList(counts: readonly string[]): string {
  return counts.join('\u00a0· ');
}

/** What `Date.toLocaleString()` says, without building a formatter each time. */
export function formatDateTime(ms: number): string {
  dateTimes ??= new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  return dateTimes.format(ms);
}

/** 83_450 → "1:23.450"; frame timestamps need milliseconds to tell neighbouring frames apart. */
export function formatTimestamp(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}:${String(seconds).padStart(2, '0')}.${String(Math.round(ms % 1000)).padStart(3, '0')}`;
}

export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}` : `${minutes}:${String(seconds).padStart(2, '0')}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
