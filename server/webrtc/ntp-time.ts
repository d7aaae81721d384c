/** The 64-bit NTP timestamps of RTCP sender reports (RFC 3550 4): seconds since 1900 in the high 32 bits, the fraction of a second in the low 32. */

/** Milliseconds from the NTP epoch (1900) to the Unix epoch (1970). */
export const NTP_TO_UNIX_MS = 2_208_988_800_000;
const TWO_POW_32 = 0x1_0000_0000;

/** An NTP timestamp as milliseconds since 1900. */
export function ntpToMs(ntp: bigint): number {
  return Number(ntp >> 32n) * 1000 + (Number(ntp & 0xffffffffn) / TWO_POW_32) * 1000;
}

/** Now as an NTP timestamp. */
export function ntpNow(): bigint {
  const ms = performance.timeOrigin + performance.now() + NTP_TO_UNIX_MS;
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * TWO_POW_32);
  return (BigInt(seconds) << 32n) | BigInt(fraction);
}
