import type { EndReason } from '../hub/end-reason';
import type { HubStream } from '../hub/stream';

/** The fields of the 'publish ended' line: who published, for how long, what came in, and why it ended. */
export function publishSummary(stream: HubStream, reason: EndReason, now = Date.now()): Record<string, unknown> {
  const { bytes, videoFrames, audioFrames } = stream.ingestCounts();
  const durationMs = Math.max(0, now - stream.publishedAt);
  return {
    mediaSessionId: stream.source.mediaSessionId,
    sourceKind: stream.source.kind,
    durationMs,
    bytes,
    averageKbps: durationMs > 0 ? Math.round((bytes * 8) / durationMs) : 0,
    videoFrames,
    audioFrames,
    reason: reason.info,
  };
}
