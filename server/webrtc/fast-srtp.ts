import { createSecretKey, KeyObject } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, SrtpAuthenticationError, SrtpSession } from 'werift';
import { SrtpDecryptError, SrtpDecryptor, type SrtpProfile, type SrtpSessionKeys } from './srtp-decryptor';
import { SrtpEncryptor } from './srtp-encryptor';

/** Session key fields of werift's SRTP ciphers (CipherAesGcm, CipherAesCtr), passed to node:crypto on every packet. */
const KEY_FIELDS = ['srtpSessionKey', 'srtcpSessionKey', 'srtpSessionAuthTag', 'srtcpSessionAuthTag'] as const;
type KeyField = (typeof KEY_FIELDS)[number];

/** The parts of werift's (unexported) SRTP Session base class and ciphers this module touches. */
interface WeriftCipher extends Partial<Record<KeyField, Buffer | KeyObject>> {
  srtpSessionSalt?: Buffer;
}
interface WeriftSession {
  localContext?: { cipher?: WeriftCipher };
  remoteContext?: { cipher?: WeriftCipher };
  /** SrtpSession: decrypts one incoming SRTP packet into an RTP packet (an own property werift sets). */
  decrypt?: (packet: Buffer) => Buffer;
}
type SessionStart = (this: WeriftSession, ...args: unknown[]) => void;

const PROFILES = new Map<unknown, SrtpProfile>([
  [ProtectionProfileAeadAes128Gcm, 'AEAD_AES_128_GCM'],
  [ProtectionProfileAes128CmHmacSha1_80, 'AES_CM_128_HMAC_SHA1_80'],
]);

let installed = false;
/** The decryptor behind each session whose decrypt was replaced, for callers that want its payload-only form. */
const decryptors = new WeakMap<object, SrtpDecryptor>();
/** An encryptor with the keys of each session's sending side, for callers that encrypt themselves. */
const encryptors = new WeakMap<object, SrtpEncryptor>();

/**
 * Speeds up werift's SRTP, which the gateway pays for on every received packet. werift creates a
 * decipher (and, for AES-CM, an HMAC) per packet from raw key Buffers: Node 24 wraps each Buffer
 * in a new KeyObject first, 17 of the 23 µs an AES-GCM packet took (1200 bytes, measured). Then
 * it parses the RTP header into an object and copies the packet twice more. Installed, every
 * session's keys become KeyObjects once, and incoming SRTP goes through SrtpDecryptor instead
 * (one decipher and one allocation per packet, 6 µs), with the same keys werift derived. An
 * SrtpEncryptor with the sending keys is kept for the viewers' SenderFastPath (srtpEncryptorOf).
 *
 * It wraps `start` of the Session class that werift's SrtpSession and SrtcpSession share
 * (reached through the exported SrtpSession). Call it once at start-up, before any peer
 * connects; idempotent. Anything unexpected (another werift version) is left to werift.
 */
export function installFastSrtp(): void {
  if (installed) return;
  const sessionPrototype = Object.getPrototypeOf(SrtpSession.prototype) as { start: SessionStart };
  const start = sessionPrototype.start;
  sessionPrototype.start = function startFast(this: WeriftSession, ...args: unknown[]): void {
    start.apply(this, args);
    const local = this.localContext?.cipher;
    const remote = this.remoteContext?.cipher;
    useKeyObjects(local);
    useKeyObjects(remote);
    // start(localMasterKey, localMasterSalt, remoteMasterKey, remoteMasterSalt, profile)
    const profile = PROFILES.get(args[4]);
    if (!(this instanceof SrtpSession) || !profile) return;
    if (remote) replaceDecrypt(this, profile, remote);
    if (local) makeEncryptor(this, profile, local);
  };
  installed = true;
}

/** The SrtpDecryptor that decrypts for this werift SrtpSession, if installFastSrtp replaced its decrypt. */
export function srtpDecryptorOf(session: object): SrtpDecryptor | undefined {
  return decryptors.get(session);
}

/**
 * An SrtpEncryptor with the keys of this werift SrtpSession's sending side, if installFastSrtp
 * took them. werift's own `encrypt` stays as it was: the caller keeps werift's rollover counters.
 */
export function srtpEncryptorOf(session: object): SrtpEncryptor | undefined {
  return encryptors.get(session);
}

function useKeyObjects(cipher: WeriftCipher | undefined): void {
  if (!cipher) return;
  for (const field of KEY_FIELDS) {
    const key = cipher[field];
    if (Buffer.isBuffer(key)) cipher[field] = createSecretKey(key);
  }
}

/** The SRTP session keys of a werift cipher whose keys useKeyObjects made KeyObjects; undefined when they are not as expected. */
function sessionKeys(profile: SrtpProfile, cipher: WeriftCipher): SrtpSessionKeys | undefined {
  const { srtpSessionKey: key, srtpSessionSalt: salt, srtpSessionAuthTag: authKey } = cipher;
  if (!(key instanceof KeyObject) || !Buffer.isBuffer(salt)) return undefined;
  if (profile === 'AES_CM_128_HMAC_SHA1_80' && !(authKey instanceof KeyObject)) return undefined;
  return { key, salt, ...(authKey instanceof KeyObject ? { authKey } : {}) };
}

function makeEncryptor(session: WeriftSession, profile: SrtpProfile, cipher: WeriftCipher): void {
  const keys = sessionKeys(profile, cipher);
  if (keys) encryptors.set(session, new SrtpEncryptor(profile, keys));
}

function replaceDecrypt(session: WeriftSession, profile: SrtpProfile, cipher: WeriftCipher): void {
  const keys = sessionKeys(profile, cipher);
  if (!keys) return;
  const decryptor = new SrtpDecryptor(profile, keys);
  decryptors.set(session, decryptor);
  session.decrypt = (packet) => {
    try {
      return decryptor.decrypt(packet);
    } catch (err) {
      // werift drops a packet quietly only for its own authentication error.
      if (err instanceof SrtpDecryptError) throw new SrtpAuthenticationError(err.message);
      throw err;
    }
  };
}
