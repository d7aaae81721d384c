import type { IngestQuality } from '../hub/ingest-quality';
import type { StreamSourceKind } from '../hub/stream';
import type { PathSummary } from '../paths/path-directory';

/**
 * The filters of `/stream/find` and `/stream/terminate`, as Web Call Server defines them: every
 * field given must match.
 */
export interface StreamFilter {
  name?: string;
  mediaSessionId?: string;
  /** The stream's mediaSessionId is one of these (an empty list matches none). */
  mediaSessionIds?: string[];
  published?: boolean;
  status?: string;
}

/** A `/stream/find` or `/stream/find_all` body: the filters, and what to show beside WCS's fields. */
export interface StreamFindBody extends StreamFilter {
  /** `"metrics"` adds each stream's `metrics`; other values are ignored. */
  display?: string[];
}

/** What a stream's publisher brings in, now: `display: ["metrics"]`. */
export interface StreamMetrics {
  sourceKind: StreamSourceKind;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number;
  height: number;
  /** bit/s of the media written into the gateway over the last few seconds. */
  bitrate: number;
  /** Video frames per second over the last few seconds. */
  fps: number;
  bytesReceived: number;
  videoFramesReceived: number;
  audioFramesReceived: number;
  /** Time since the stream was published, ms. */
  uptimeMs: number;
  /** Pushes, recordings, players and viewers reading the stream. */
  readers: number;
}

/** A published stream as the API shows it: WCS's stream fields, its source kind, the publisher's receive quality. */
export interface StreamView {
  mediaSessionId: string;
  name: string;
  published: true;
  status: 'PUBLISHING';
  mediaProvider: 'WebRTC' | 'Flash';
  sourceKind: StreamSourceKind;
  hasVideo: boolean;
  hasAudio: boolean;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number;
  height: number;
  createDate: number;
  readers: number;
  quality?: IngestQuality;
  metrics?: StreamMetrics;
}

const CODEC_NAMES: Record<string, string> = { h264: 'H264', h265: 'H265', vp8: 'VP8', av1: 'AV1', aac: 'AAC', opus: 'opus' };

/** The published streams among `paths`, as views; with `metrics`, each with its metrics as of `now` (Unix ms). */
export function streamViews(paths: readonly PathSummary[], options: { metrics?: boolean; now?: number } = {}): StreamView[] {
  const now = options.now ?? Date.now();
  return paths.flatMap((path) => {
    const stream = path.stream;
    if (!stream) return [];
    // Sources come before the tracks derived from them: the first of a kind is what was published.
    const video = stream.tracks.find((t) => t.kind === 'video');
    const audio = stream.tracks.find((t) => t.kind === 'audio');
    const view: StreamView = {
      mediaSessionId: stream.publisherId,
      name: path.name,
      published: true,
      status: 'PUBLISHING',
      mediaProvider: stream.sourceKind === 'rtmp' ? 'Flash' : 'WebRTC',
      sourceKind: stream.sourceKind,
      hasVideo: video !== undefined,
      hasAudio: audio !== undefined,
      videoCodec: video ? (CODEC_NAMES[video.codec] ?? video.codec) : null,
      audioCodec: audio ? (CODEC_NAMES[audio.codec] ?? audio.codec) : null,
      width: stream.width,
      height: stream.height,
      createDate: stream.publishedAt,
      readers: stream.readers,
    };
    if (stream.quality) view.quality = stream.quality;
    if (options.metrics) {
      const { ingest } = stream;
      view.metrics = {
        sourceKind: view.sourceKind,
        videoCodec: view.videoCodec,
        audioCodec: view.audioCodec,
        width: view.width,
        height: view.height,
        bitrate: ingest.bitrate,
        fps: ingest.fps,
        bytesReceived: ingest.bytes,
        videoFramesReceived: ingest.videoFrames,
        audioFramesReceived: ingest.audioFrames,
        uptimeMs: Math.max(0, now - stream.publishedAt),
        readers: view.readers,
      };
    }
    return [view];
  });
}

/** Whether a stream matches every filter of a find or terminate body. */
export function matchesFind(view: StreamView, filter: StreamFilter): boolean {
  return (filter.name === undefined || filter.name === view.name)
    && (filter.mediaSessionId === undefined || filter.mediaSessionId === view.mediaSessionId)
    && (filter.mediaSessionIds === undefined || filter.mediaSessionIds.includes(view.mediaSessionId))
    && (filter.published === undefined || filter.published === view.published)
    && (filter.status === undefined || filter.status === view.status);
}

/** Whether a find body asks for the streams' metrics. */
export function wantsMetrics(body: StreamFindBody): boolean {
  return body.display?.includes('metrics') === true;
}
