/** What a caller presented to authenticate, from its headers. */
export type Credentials =
  | { readonly kind: 'basic'; readonly user: string; readonly password: string; readonly raw: string }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'none' };

/** Callaba's token header. */
const ACCESS_TOKEN_HEADER = 'x-access-token';

/**
 * Reads the credentials of a request: `Authorization: Basic <base64 user:password>` (WCS's users;
 * OvenMediaEngine sends its access token this way, so the decoded text also counts as a token),
 * `Authorization: Bearer <token>` (100ms), or `x-access-token: <token>` (Callaba).
 */
export function readCredentials(headers: Record<string, string | string[] | undefined>): Credentials {
  const token = headers[ACCESS_TOKEN_HEADER];
  if (typeof token === 'string' && token !== '') return { kind: 'token', token };
  const authorization = headers['authorization'];
  if (typeof authorization !== 'string') return { kind: 'none' };
  const [scheme = '', value = ''] = authorization.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme) && value !== '') return { kind: 'token', token: value };
  if (/^basic$/i.test(scheme) && value !== '') {
    const raw = Buffer.from(value, 'base64').toString('utf8');
    const at = raw.indexOf(':');
    return { kind: 'basic', user: at === -1 ? raw : raw.slice(0, at), password: at === -1 ? '' : raw.slice(at + 1), raw };
  }
  return { kind: 'none' };
}
