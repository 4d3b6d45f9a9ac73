import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims Supabase puts in its JWTs that the stand-in and the policies read. */
export interface JwtClaims {
  /** Always there in the JWTs verifyJwt accepts; absent only from Storage's signed-URL tokens. */
  role: string;
  iss?: string;
  sub?: string;
  aud?: string;
  exp?: number;
  iat?: number;
  email?: string;
  session_id?: string;
  [claim: string]: unknown;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** HS256, as a Supabase project signs with its JWT secret. */
export function signJwt(claims: JwtClaims, secret: string): string {
  const head = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

export type JwtCheck = { claims: JwtClaims } | { error: 'invalid' | 'expired' };


/** Checks the signature and the expiry; anything else (malformed, wrong secret, no role) is 'invalid'. */
export function verifyJwt(token: string, secret: string, now = Date.now()): JwtCheck {
  const checked = verifySignature(token, secret, now);
  if ('claims' in checked && typeof checked.claims.role !== 'string') return { error: 'invalid' };
  return checked;
}

/** Signature and expiry only: Storage's signed-URL tokens carry a `url` claim and no role. */
export function verifySignature(token: string, secret: string, now = Date.now()): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { error: 'invalid' };
  const [head, body, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'invalid' };
  let claims: JwtClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return { error: 'invalid' };
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) return { error: 'expired' };
  return { claims };
}
