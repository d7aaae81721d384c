/** The part of the Web Crypto API a UUID needs; `randomUUID` is missing on pages that are not a secure context (plain http). */
export interface RandomSource {
  randomUUID?: () => string;
  getRandomValues<T extends Uint8Array<ArrayBuffer>>(array: T): T;
}

/** Returns a random RFC 4122 version 4 UUID: 36 lower-case characters, from `source` (default: globalThis.crypto). */
export function randomUuid(source: RandomSource = globalThis.crypto): string {
  if (typeof source.randomUUID === 'function') {
    return source.randomUUID();
  }
  const bytes = source.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
