import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Where download links start: `<base>/records/<fileName>?expires=…&signature=…`. */
export const RECORDS_MOUNT = '/records';

/** Why a link is refused. */
export type LinkVerdict = 'ok' | 'expired' | 'bad-signature' | 'bad-path';

/** What signs the download links of recorded files. */
export interface RecordLinkOptions {
  /** HMAC key; empty: a random one (links then end with the process). */
  readonly secret: string;
  /** Seconds a link stays valid. */
  readonly expirySeconds: number;
  /** Scheme, host and port the links start with, e.g. http://127.0.0.1:8081. */
  readonly baseUrl: string;
}

/**
 * Signed, expiring download links of recorded files (as 100ms hands recordings over): an
 * HMAC-SHA256 over the file's path and the expiry time. A link cannot be moved to another file,
 * nor kept beyond its expiry.
 */
export class RecordLinks {
  readonly #key: Buffer;
  readonly #expirySeconds: number;
  readonly #baseUrl: string;

  constructor(options: RecordLinkOptions) {
    this.#key = options.secret === '' ? randomBytes(32) : Buffer.from(options.secret, 'utf8');
    this.#expirySeconds = options.expirySeconds;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** The full link to `fileName` (relative to record_dir), valid for the expiry from `now` (Unix ms). */
  url(fileName: string, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + this.#expirySeconds;
    const pathPart = fileName.split('/').map(encodeURIComponent).join('/');
    return `${this.#baseUrl}${RECORDS_MOUNT}/${pathPart}?expires=${expires}&signature=${this.#sign(fileName, expires)}`;
  }

  /** Checks a link's parts: `fileName` decoded, relative to record_dir. */
  verify(fileName: string, expires: unknown, signature: unknown, now = Date.now()): LinkVerdict {
    if (!isSafeRelativePath(fileName)) return 'bad-path';
    if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string') return 'bad-signature';
    const expected = Buffer.from(this.#sign(fileName, Number(expires)), 'hex');
    const given = Buffer.from(/^[0-9a-f]{64}$/.test(signature) ? signature : '', 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature';
    return Number(expires) * 1000 < now ? 'expired' : 'ok';
  }

  #sign(fileName: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${fileName}\n${expires}`).digest('hex');
  }
}

/** A path under record_dir: relative, no `.` or `..` segment, no backslash or NUL, no empty segment. */
export function isSafeRelativePath(fileName: string): boolean {
  if (fileName === '' || fileName.includes('\\') || fileName.includes('\0')) return false;
  return fileName.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
