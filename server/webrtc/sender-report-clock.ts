import path from 'node:path';
import { ntpNow } from './ntp-time';

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
