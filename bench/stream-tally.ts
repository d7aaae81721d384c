import { splitAvcc } from '../server/media/h264/nal';
import { AacPacketType, AvcPacketType, parseAudioTagBody, parseVideoTagBody, VideoFrameType } from '../server/rtmp/protocol/flv';
import { readFrameMarker } from './frame-marker';

/** Duration of one AAC frame at 48 kHz (the rate both systems under test output), ms. */
const AAC_FRAME_MS = 1024 / 48;
/** A pause in the picture longer than this counts as a freeze, ms: six frame intervals of the 30 fps clip, which a viewer notices. */
export const FREEZE_THRESHOLD_MS = 200;

/** What one stream delivered to the sink during the current window. */
export interface StreamWindow {
  readonly videoFrames: number;
  readonly audioFrames: number;
  /** Video frames missing between the first and the last one received (from the markers' sequence numbers). */
  readonly lostVideoFrames: number;
  /** AAC frames missing, from gaps in the audio timestamps. */
  readonly lostAudioFrames: number;
  /** Longest interval between two keyframes, by RTMP timestamp, ms (0 with fewer than two). */
  readonly maxKeyframeGapMs: number;
  /** Longest interval between two consecutive video frames, by RTMP timestamp, ms: the longest freeze a viewer saw. */
  readonly longestFreezeMs: number;
  /** Intervals between consecutive video frames longer than FREEZE_THRESHOLD_MS. */
  readonly freezes: number;
  /** Publisher send → sink arrival of each marked video frame, ms. */
  readonly videoLatenciesMs: number[];
  /** Publisher send → sink arrival of each AAC frame, estimated through the video markers (A/V sync assumed), ms. */
  readonly audioLatenciesMs: number[];
  /** Tags that could not be parsed. */
  readonly malformedTags: number;
}

/**
 * Counts and times the FLV tags one published stream delivers. Counters cover a window (see
 * `resetWindow`); continuity state (last marker, last frame and keyframe, last audio timestamp) survives
 * it so a gap across the window start is still seen. Malformed tags are counted, never thrown.
 */
export class StreamTally {
  /** Wall-clock arrival of the first video frame, ms since the epoch. */
  firstVideoAtMs: number | undefined;
  #lastSequence: number | undefined;
  #lastKeyframeTs: number | undefined;
  #lastVideoTs: number | undefined;
  #lastAudioTs: number | undefined;
  /** The latest marked video frame: its RTMP timestamp and when the publisher sent it. */
  #clockAnchor: { ts: number; sentAtMs: number } | undefined;
  #window = emptyWindow();

  /** One video message: RTMP `timestampMs`, FLV tag body, wall-clock arrival in ms. */
  onVideo(timestampMs: number, body: Buffer, arrivedAtMs: number): void {
    try {
      const tag = parseVideoTagBody(body);
      if (tag.avcPacketType !== AvcPacketType.NALU) return;
      const marker = splitAvcc(tag.data).map(readFrameMarker).find((m) => m !== undefined);
      this.firstVideoAtMs ??= arrivedAtMs;
      const w = this.#window;
      w.videoFrames++;
      // By RTMP timestamp, not arrival: a player presents frames on their timestamps and its buffer
      // absorbs uneven arrival (a repair's wait shows as latency), while frames that never came leave
      // the picture standing for the whole gap. The sender's times would count its pacer's lag too.
      if (this.#lastVideoTs !== undefined) {
        const gap = timestampMs - this.#lastVideoTs;
        w.longestFreezeMs = Math.max(w.longestFreezeMs, gap);
        if (gap > FREEZE_THRESHOLD_MS) w.freezes++;
      }
      this.#lastVideoTs = timestampMs;
      if (tag.frameType === VideoFrameType.KEY) {
        if (this.#lastKeyframeTs !== undefined) w.maxKeyframeGapMs = Math.max(w.maxKeyframeGapMs, timestampMs - this.#lastKeyframeTs);
        this.#lastKeyframeTs = timestampMs;
      }
      if (!marker) return;
      if (this.#lastSequence !== undefined && marker.sequence > this.#lastSequence + 1) w.lostVideoFrames += marker.sequence - this.#lastSequence - 1;
      this.#lastSequence = marker.sequence;
      this.#clockAnchor = { ts: timestampMs, sentAtMs: marker.sentAtMs };
      w.videoLatenciesMs.push(arrivedAtMs - marker.sentAtMs);
    } catch {
      this.#window.malformedTags++;
    }
  }

  /** One audio message: RTMP `timestampMs`, FLV tag body, wall-clock arrival in ms. */
  onAudio(timestampMs: number, body: Buffer, arrivedAtMs: number): void {
    try {
      const tag = parseAudioTagBody(body);
      if (tag.aacPacketType !== AacPacketType.RAW) return;
      const w = this.#window;
      w.audioFrames++;
      if (this.#lastAudioTs !== undefined) w.lostAudioFrames += Math.max(0, Math.round((timestampMs - this.#lastAudioTs) / AAC_FRAME_MS) - 1);
      this.#lastAudioTs = timestampMs;
      const anchor = this.#clockAnchor;
      if (anchor) w.audioLatenciesMs.push(arrivedAtMs - (anchor.sentAtMs + timestampMs - anchor.ts));
    } catch {
      this.#window.malformedTags++;
    }
  }

  /** Starts a new window: counters back to zero, continuity kept. */
  resetWindow(): void {
    this.#window = emptyWindow();
  }

  /** The current window's figures. */
  window(): StreamWindow {
    const w = this.#window;
    return { ...w, videoLatenciesMs: [...w.videoLatenciesMs], audioLatenciesMs: [...w.audioLatenciesMs] };
  }
}

function emptyWindow(): { -readonly [K in keyof StreamWindow]: StreamWindow[K] } {
  return { videoFrames: 0, audioFrames: 0, lostVideoFrames: 0, lostAudioFrames: 0, maxKeyframeGapMs: 0, longestFreezeMs: 0, freezes: 0, videoLatenciesMs: [], audioLatenciesMs: [], malformedTags: 0 };
}
