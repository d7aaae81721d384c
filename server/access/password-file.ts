import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

/** scrypt cost of new hashes: N = 2^15, r = 8, p = 1 (~32 MiB, tens of ms). */
const COST = { N: 32768, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
/** Passwords verified lately, by digest of `user:password`, so Basic auth (sent with every call) costs scrypt once. */
const MAX_REMEMBERED = 256;

/** A users file that cannot be read. */
export class PasswordFileError extends Error {
  override readonly name = 'PasswordFileError';
}

interface UserHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * The REST API's users (HTTP Basic), from a file of `user:scrypt$N$r$p$salt$hash` lines (salt and
 * hash in base64; `#` comments). Only hashes are stored; `hashPassword` makes the lines.
 */
export class PasswordFile {
  readonly #users: Map<string, UserHash>;
  readonly #verified = new Set<string>();

  private constructor(users: Map<string, UserHash>) {
    this.#users = users;
  }

  /** Reads and checks the file; throws PasswordFileError naming the line at fault. */
  static load(file: string): PasswordFile {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new PasswordFileError(`cannot read the users file ${file}: ${(err as Error).message}`);
    }
    const users = new Map<string, UserHash>();
    text.split('\n').forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const at = line.indexOf(':');
      const user = line.slice(0, at);
      const hash = at > 0 ? parseHash(line.slice(at + 1)) : undefined;
      if (!hash) throw new PasswordFileError(`${file}:${index + 1}: expected user:scrypt$N$r$p$salt$hash (make lines with: node dist/server/tools/rest-user.js)`);
      users.set(user, hash);
    });
    return new PasswordFile(users);
  }

  /** Users in the file. */
  get size(): number {
    return this.#users.size;
  }

  /** True when `password` is `user`'s. Constant-time compare; scrypt runs off the event loop. */
  async verify(user: string, password: string): Promise<boolean> {
    const stored = this.#users.get(user);
    if (!stored) return false;
    const key = createHash('sha256').update(`${user}:${password}`).digest('base64');
    if (this.#verified.has(key)) return true;
    const derived = await scryptAsync(password, stored.salt, stored.hash.length, { N: stored.N, r: stored.r, p: stored.p, maxmem: 256 * stored.N * stored.r });
    if (!timingSafeEqual(derived, stored.hash)) return false;
    if (this.#verified.size >= MAX_REMEMBERED) this.#verified.clear();
    this.#verified.add(key);
    return true;
  }
}

/** A users-file line for `user` with `password`: `user:scrypt$N$r$p$salt$hash`. */
export async function hashPassword(user: string, password: string): Promise<string> {
  if (user === '' || user.includes(':') || /\s/.test(user)) throw new PasswordFileError('a user name must be non-empty, without ":" or spaces');
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_BYTES, { ...COST, maxmem: 256 * COST.N * COST.r });
  return `${user}:scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function parseHash(text: string): UserHash | undefined {
  const [scheme, n, r, p, salt, hash, ...rest] = text.split('$');
  const N = Number(n);
  if (scheme !== 'scrypt' || rest.length > 0 || salt === undefined || hash === undefined) return undefined;
  if (!Number.isInteger(N) || N < 1024 || (N & (N - 1)) !== 0 || !(Number(r) >= 1) || !(Number(p) >= 1)) return undefined;
  const decoded = { N, r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  return decoded.salt.length >= 8 && decoded.hash.length >= 16 ? decoded : undefined;
}
