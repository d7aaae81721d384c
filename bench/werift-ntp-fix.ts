import path from 'node:path';

/** Milliseconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_TO_UNIX_MS = 2_208_988_800_000;
const TWO_POW_32 = 0x1_0000_0000;

/** The part of werift's (unexported) utils module that RTCP sender reports read their clock from. */
interface WeriftUtils {
  ntpTime: () => bigint;
}

/**
 * Fixes the clock of the RTCP sender reports werift sends (0.25.2). Its `ntpTime()` writes the
 * decimal digits of the fractional second (`"….8912345"` → 8912345) as the 32-bit NTP fraction,
 * so every report's NTP time is the whole second only: off by up to 1 s, differently for audio
 * and video. A receiver that syncs the tracks from sender reports, as the gateway does, then sees
 * them up to a second apart. Browsers send correct reports; the bench publishers must too.
 *
 * werift's package exports hide the module, so it is required by file path (the same module
 * instance werift's RTP sender calls into).
 */
export function fixWeriftSenderReportClock(): void {
  const utilsFile = path.join(path.dirname(require.resolve('werift')), 'utils.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a computed path (see above); `import` has no synchronous form for it
  const utils = require(utilsFile) as WeriftUtils;
  utils.ntpTime = () => {
    const ms = performance.timeOrigin + performance.now() + NTP_TO_UNIX_MS;
    const seconds = Math.floor(ms / 1000);
    const fraction = Math.floor(((ms - seconds * 1000) / 1000) * TWO_POW_32);
    return (BigInt(seconds) << 32n) | BigInt(fraction);
  };
}
