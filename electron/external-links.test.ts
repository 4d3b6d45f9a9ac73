import { describe, expect, it } from 'vitest';
import { isOpenableExternally } from './external-links';

describe('opening links in the system browser', () => {
  it('allows only the http(s) help links the app itself shows', () => {
    expect(isOpenableExternally('https://supabase.com/docs')).toBe(true);
    expect(isOpenableExternally('https://evil.example/')).toBe(false);
    expect(isOpenableExternally('file:///etc/passwd')).toBe(false);
    expect(isOpenableExternally('javascript:alert(1)')).toBe(false);
    expect(isOpenableExternally('not a url')).toBe(false);
  });
});
