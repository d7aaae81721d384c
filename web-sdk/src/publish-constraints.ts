/** Publishing bitrates in kbps, as the official SDK reads them from `constraints.video`; only positive values are present. */
export interface PublishBitrates {
  bitrate?: number;
  minBitrate?: number;
  maxBitrate?: number;
}

/** Media requested when neither `constraints` nor `mediaStream` is given (the official SDK's default outside Safari). */
export const DEFAULT_CONSTRAINTS = Object.freeze({ audio: true, video: Object.freeze({ width: 320, height: 240 }) });

const BITRATE_FIELDS = ['bitrate', 'minBitrate', 'maxBitrate'] as const;

/** Picks bitrate/minBitrate/maxBitrate (kbps) from `constraints.video`; missing, zero or non-numeric values are left out. */
export function publishBitrates(constraints: { video?: unknown } | undefined): PublishBitrates {
  const video = constraints?.video;
  const bitrates: PublishBitrates = {};
  if (typeof video !== 'object' || video === null) {
    return bitrates;
  }
  for (const field of BITRATE_FIELDS) {
    const value: unknown = (video as Record<string, unknown>)[field];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
      bitrates[field] = value;
    }
  }
  return bitrates;
}
