/** http(s) addresses the app itself puts on screen (help links); only these may open in the system browser. */
const appLinks = new Set<string>(['https://supabase.com/docs', 'https://ffmpeg.org/download.html']);

export function isOpenableExternally(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && appLinks.has(parsed.toString());
  } catch {
    return false;
  }
}
