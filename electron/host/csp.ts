/**
 * The renderer's Content-Security-Policy, shared by both hosts: no eval, no inline scripts, no remote code;
 * images only from the page itself and the library's media route.
 */
export function contentSecurityPolicy(extra: { connect?: string[]; img?: string[] } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${(extra.img ?? []).join(' ')}`.trim(),
    `connect-src 'self' ${(extra.connect ?? []).join(' ')}`.trim(),
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
