/** How long a read may stall before ffmpeg/ffprobe give up on an input, ms (at most the caller's timeout). */
const STALL_TIMEOUT_MS = 5000;

/**
 * Input options for ffmpeg and ffprobe that make a stalled source fail after 5 s (or `timeoutMs` if
 * shorter). A live RTMP pull that keeps delivering never stalls, so callers still need an outer timeout.
 */
export function stallTimeoutArgs(timeoutMs: number): string[] {
  const stallUs = Math.min(timeoutMs, STALL_TIMEOUT_MS) * 1000;
  return ['-rw_timeout', String(stallUs)];
}
