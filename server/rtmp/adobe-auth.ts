import { createHash, randomBytes } from 'node:crypto';

/**
 * Adobe Media Server "authmod=adobe" authentication, as FFmpeg's rtmpproto.c
 * (handle_connect_error / do_adobe_auth) performs it across up to three connects:
 *
 *  1. plain connect → rejected with "... authmod=adobe ... code=403 need auth"
 *  2. connect with `?authmod=adobe&user=U` → rejected with
 *     "... authmod=adobe ... ?reason=needauth&user=U&salt=S&challenge=C&opaque=O"
 *  3. connect with `?authmod=adobe&user=U&challenge=C2&response=R[&opaque=O]` → accepted
 *
 * where R = base64(md5(base64(md5(U + S + password)) + (O or C) + C2)) and C2 is a random
 * 8-hex-digit client challenge. Differences from FFmpeg: the password is used percent-decoded,
 * and when the server's challenge omits `user` the URL's user is hashed instead of "".
 */

/** User and password (percent-decoded) from the target URL. */
export interface AdobeCredentials {
  readonly user: string;
  readonly password: string;
}

/** What to do after a rejected connect: retry with these query parameters, or give up with a reason. */
export type AdobeAuthDecision = { readonly action: 'retry'; readonly authParams: string } | { readonly action: 'fail'; readonly reason: string };

/** Inputs of the challenge response; all strings exactly as they appear in the challenge. */
export interface AdobeChallenge {
  readonly user: string;
  readonly password: string;
  readonly salt: string;
  /** Server challenge, used when there is no opaque. */
  readonly challenge?: string;
  readonly opaque?: string;
  /** Our own challenge, 8 hex digits. */
  readonly clientChallenge: string;
}

/** Base64 MD5 response to an Adobe challenge (see the module comment for the formula). */
export function adobeAuthResponse(input: AdobeChallenge): string {
  const md5Base64 = (text: string): string => createHash('md5').update(text, 'utf8').digest('base64');
  const saltedPassword = md5Base64(input.user + input.salt + input.password);
  return md5Base64(saltedPassword + (input.opaque ?? input.challenge ?? '') + input.clientChallenge);
}

/** A fresh client challenge: 32 random bits as 8 lowercase hex digits. */
export function randomClientChallenge(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Decides the next step after a connect was rejected with `description`. Returns undefined when
 * the rejection is not an Adobe authentication request (the caller reports it as is).
 * `answeredChallenge` is true once a response has been sent: a second rejection is final.
 */
export function nextAdobeAuthStep(
  description: string,
  credentials: AdobeCredentials | undefined,
  answeredChallenge: boolean,
  clientChallenge: string = randomClientChallenge(),
): AdobeAuthDecision | undefined {
  if (!description.includes('authmod=adobe')) return undefined;
  if (credentials === undefined || credentials.user === '' || credentials.password === '') {
    return { action: 'fail', reason: 'the server requires Adobe authentication: put user:password@ in the URL' };
  }
  if (description.includes('?reason=authfailed')) return { action: 'fail', reason: 'Adobe authentication failed: wrong user or password' };
  if (description.includes('?reason=nosuchuser')) return { action: 'fail', reason: 'Adobe authentication failed: unknown user' };
  if (answeredChallenge) return { action: 'fail', reason: 'Adobe authentication failed' };
  const user = encodeURIComponent(credentials.user);
  if (description.includes('code=403 need auth')) return { action: 'retry', authParams: `?authmod=adobe&user=${user}` };

  const reasonAt = description.indexOf('?reason=needauth');
  if (reasonAt === -1) return { action: 'fail', reason: 'Adobe authentication: the server sent no challenge' };
  const fields = new Map<string, string>();
  for (const pair of description.slice(reasonAt + 1).split('&')) {
    const equals = pair.indexOf('=');
    if (equals !== -1) fields.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  const opaque = fields.get('opaque');
  const challengeUser = fields.get('user') ?? user;
  const response = adobeAuthResponse({
    user: challengeUser,
    password: credentials.password,
    salt: fields.get('salt') ?? '',
    challenge: fields.get('challenge'),
    opaque,
    clientChallenge,
  });
  const opaqueParam = opaque === undefined ? '' : `&opaque=${opaque}`;
  return { action: 'retry', authParams: `?authmod=adobe&user=${challengeUser}&challenge=${clientChallenge}&response=${response}${opaqueParam}` };
}
