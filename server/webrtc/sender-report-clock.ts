import path from 'node:path';

/** Milliseconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_TO_UNIX_MS = 2_208_988_800_000;
const TWO_POW_32 = 0x1_0000_0000;

/** The part of werift's (unexported) utils module that RTCP sender reports read their clock from. */
interface WeriftUtils {
  ntpTime: () => bigint;
}

let installed = false;

/**
 * Fixes the clock of the RTCP sender reports werift sends (0.25.2): the gateway's WebRTC viewers,
 * the bench's publishers. werift's `ntpTime()` writes the decimal digits of the fractional second
 * (`"….8912345"` → 8912345) as the 32-bit NTP fraction, so every report's NTP time is the whole
 * second only: off by up to 1 s, differently for audio and video. A receiver that syncs the tracks
 * from sender reports (browsers do, and so does the gateway) then plays them up to a second apart.
 * The replacement is also cheaper: werift's formats a string and writes a Buffer on every packet
 * sent.
 *
 * werift's package exports hide the module, so it is required by file path (the same module
 * instance werift's RTP sender calls into). Call once at start-up; idempotent.
 */
export function installSenderReportClock(): void {
  if (installed) return;
  const utilsFile = path.join(path.dirname(require.resolve('werift')), 'utils.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a computed path (see above); `import` has no synchronous form for it
  const utils = require(utilsFile) as WeriftUtils;
  utils.ntpTime = ntpNow;
  installed = true;
}

/** Now as a 64-bit NTP timestamp: seconds since 1900 in the high 32 bits, the fraction of a second in the low 32. */
export function ntpNow(): bigint {
  const ms = performance.timeOrigin + performance.now() + NTP_TO_UNIX_MS;
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * TWO_POW_32);
  return (BigInt(seconds) << 32n) | BigInt(fraction);
}
