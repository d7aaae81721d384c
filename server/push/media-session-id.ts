import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/**
 * A new transponder id in WCS's style: 26 lower-case base32 characters (130 random bits),
 * e.g. `eume87rjk3df1i9u14elffga6t`.
 */
export function newMediaSessionId(): string {
  const bytes = randomBytes(26);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte & 31];
  return id;
}
