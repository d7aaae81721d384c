import type { IngestQuality } from '../hub/ingest-quality';
import type { PathSummary } from '../paths/path-directory';

/** A `/stream/find` body, as Web Call Server defines it (the filters the gateway applies). */
export interface StreamFindBody {
  name?: string;
  mediaSessionId?: string;
  published?: boolean;
  status?: string;
}

/** A published stream as the API shows it: WCS's stream fields, and the publisher's receive quality. */
export interface StreamView {
  mediaSessionId: string;
  name: string;
  published: true;
  status: 'PUBLISHING';
  mediaProvider: 'WebRTC' | 'Flash';
  hasVideo: boolean;
  hasAudio: boolean;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number;
  height: number;
  createDate: number;
  readers: number;
  quality?: IngestQuality;
}

const CODEC_NAMES: Record<string, string> = { h264: 'H264', h265: 'H265', vp8: 'VP8', av1: 'AV1', aac: 'AAC', opus: 'opus' };

/** The published streams among `paths`, as views. */
export function streamViews(paths: readonly PathSummary[]): StreamView[] {
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
      mediaProvider: stream.sourceKind === 'webrtc' ? 'WebRTC' : 'Flash',
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
    return [view];
  });
}

/** Whether a stream matches every filter of a find body. */
export function matchesFind(view: StreamView, body: StreamFindBody): boolean {
  return (body.name === undefined || body.name === view.name)
    && (body.mediaSessionId === undefined || body.mediaSessionId === view.mediaSessionId)
    && (body.published === undefined || body.published === view.published)
    && (body.status === undefined || body.status === view.status);
}
