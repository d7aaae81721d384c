import type { EndReason } from '../../hub/end-reason';
import type { HubStream, StreamSource } from '../../hub/stream';
import type { Track } from '../../hub/track';
import type { Logger } from '../../log';
import type { LocalPaths } from '../../paths/local-paths';
import { parseAudioSpecificConfig } from '../../media/aac/audio-specific-config';
import { parseAvcDecoderConfig } from '../../media/h264/avc-decoder-config';
import { joinAvcc, splitAvcc } from '../../media/h264/nal';
import { parseSps } from '../../media/h264/sps';
import { AmfEcmaArray, type AmfObject, isAmfObject } from '../protocol/amf0';
import { AacPacketType, AvcPacketType, parseAudioTagBody, parseVideoTagBody, SoundFormat, VideoCodecId, VideoFrameType } from '../protocol/flv';
import { MessageType, parseData, type RtmpMessage } from '../protocol/messages';
import { TimestampUnwrapper } from './timestamp-unwrapper';

/** NAL length size the hub's AVCC frames use, bytes. */
const HUB_NAL_LENGTH_SIZE = 4;
/** onMetaData codec ids of the only codecs the hub carries. */
const AVC_CODEC_ID = 7;
const AAC_CODEC_ID = 10;
/**
 * Audio flowing this long without a single video message, from a publisher that sent no
 * onMetaData, means the stream has no video, ms.
 */
const NO_VIDEO_AFTER_MS = 2000;
/** Bit of a video tag's first byte that marks an Enhanced RTMP header (HEVC, AV1...), not supported. */
const EX_HEADER_FLAG = 0x80;

/** Clock rate of RTMP timestamps, Hz: both tracks of an RTMP stream are on one millisecond clock. */
const RTMP_TIMESCALE = 1000;

/**
 * One stream published over RTMP, as a hub source: the publisher's audio, video and data
 * messages become hub frames. H.264 and AAC pass through untouched (zero-copy views of the
 * received messages); pts = dts + composition time, so B-frames keep their presentation times; 32-bit message
 * timestamps are unwrapped. Other codecs are dropped with one warning. Malformed sequence headers
 * throw the media parser's error: the session treats that as a protocol violation.
 *
 * Tracks: RTMP announces them only in onMetaData (which FFmpeg and OBS send first), so the stream
 * starts with an H.264 and an AAC track and drops those onMetaData does not list. A publisher that
 * sends no onMetaData and only audio loses its video track after NO_VIDEO_AFTER_MS.
 */
export class RtmpIngest implements StreamSource {
  readonly kind = 'rtmp';
  readonly mediaSessionId: string;
  readonly stream: HubStream;
  readonly #log: Logger;
  readonly #videoClock = new TimestampUnwrapper();
  readonly #audioClock = new TimestampUnwrapper();
  #video: Track | undefined;
  #audio: Track | undefined;
  #tracksKnown = false;
  #videoSeen = false;
  /** Arrival of the first audio frame while the tracks are unknown and no video has come. */
  #firstAudioAt: number | undefined;
  /** Unix ms of RTMP time 0 (from the first frame's arrival): the frames' wall clock. */
  #wallClockOrigin: number | undefined;
  #nalLengthSize = HUB_NAL_LENGTH_SIZE;
  readonly #warned = new Set<string>();
  #closing = false;

  /**
   * Publishes `name` for this publisher; throws StreamNameInUseError when it is taken. `onHubClose`
   * is told when the stream is ended from the hub's side (gateway shutdown), not by `close()`.
   */
  constructor(paths: LocalPaths, name: string, mediaSessionId: string, logger: Logger, onHubClose: (reason: EndReason) => void) {
    this.mediaSessionId = mediaSessionId;
    this.#log = logger;
    this.stream = paths.publish(name, this);
    this.#video = this.stream.addTrack({ kind: 'video', codec: 'h264', timescale: RTMP_TIMESCALE });
    this.#audio = this.stream.addTrack({ kind: 'audio', codec: 'aac', timescale: RTMP_TIMESCALE });
    this.stream.once('close', (reason) => {
      if (!this.#closing) onHubClose(reason);
    });
  }

  /** True while the stream is taken to have video. */
  get hasVideo(): boolean {
    return this.#video !== undefined;
  }

  /** True while the stream is taken to have audio. */
  get hasAudio(): boolean {
    return this.#audio !== undefined;
  }

  /** RTMP has no way to ask a publisher for a keyframe. */
  requestKeyframe(): void {}

  /** Takes one message the publisher sent on this stream; throws RtmpProtocolError or MediaFormatError on malformed bodies. */
  handle(message: RtmpMessage): void {
    const receivedAt = performance.now();
    switch (message.typeId) {
      case MessageType.VIDEO:
        this.#onVideo(message, receivedAt);
        break;
      case MessageType.AUDIO:
        this.#onAudio(message, receivedAt);
        break;
      case MessageType.DATA_AMF0:
      case MessageType.DATA_AMF3:
        this.#onData(message);
        break;
    }
  }

  /** Ends the hub stream with `reason`. */
  close(reason: EndReason): void {
    this.#closing = true;
    this.stream.close(reason);
  }

  #onVideo(message: RtmpMessage, receivedAt: number): void {
    if (message.payload.length === 0) return; // FFmpeg sends empty video messages as keep-alives
    this.#videoSeen = true;
    const body = parseVideoTagBody(message.payload);
    if (body.codecId !== VideoCodecId.AVC || (message.payload[0]! & EX_HEADER_FLAG) !== 0) {
      this.#warnOnce('video', { codecId: body.codecId }, 'video codec not supported (H.264 only): video dropped');
      return;
    }
    if (body.avcPacketType === AvcPacketType.SEQUENCE_HEADER) {
      const config = parseAvcDecoderConfig(body.data);
      const sps = config.sps[0];
      const pps = config.pps[0];
      if (sps === undefined || pps === undefined || pps.length === 0) {
        this.#warnOnce('no-parameter-sets', {}, 'AVC sequence header without SPS or PPS: ignored');
        return;
      }
      const { width, height } = parseSps(sps);
      this.#nalLengthSize = config.nalLengthSize;
      if (this.#video) this.stream.setParams(this.#video, { codec: 'h264', sps, pps, width, height });
      return;
    }
    const track = this.#video;
    if (body.avcPacketType !== AvcPacketType.NALU || body.data.length === 0 || track?.params === undefined) return;
    const dts = this.#videoClock.unwrap(message.timestamp);
    this.stream.write({
      track,
      dts,
      pts: dts + body.compositionTime,
      keyframe: body.frameType === VideoFrameType.KEY,
      data: this.#toHubAvcc(body.data),
      wallClock: this.#wallClock(dts),
      receivedAt,
    });
  }

  #onAudio(message: RtmpMessage, receivedAt: number): void {
    if (message.payload.length === 0) return;
    const body = parseAudioTagBody(message.payload);
    if (body.soundFormat !== SoundFormat.AAC) {
      this.#warnOnce('audio', { soundFormat: body.soundFormat }, 'audio codec not supported (AAC only): audio dropped');
      return;
    }
    if (body.aacPacketType === AacPacketType.SEQUENCE_HEADER) {
      const asc = parseAudioSpecificConfig(body.data);
      // A config whose channels come from a program_config_element says 0: the FLV flag is the fallback.
      const channels = asc.channels || body.soundType + 1;
      if (this.#audio) this.stream.setParams(this.#audio, { codec: 'aac', config: body.data, sampleRate: asc.extensionSampleRate ?? asc.sampleRate, channels });
      return;
    }
    const track = this.#audio;
    if (body.aacPacketType !== AacPacketType.RAW || body.data.length === 0 || track?.params === undefined) return;
    if (!this.#tracksKnown && !this.#videoSeen) this.#checkForNoVideo(receivedAt);
    const pts = this.#audioClock.unwrap(message.timestamp);
    this.stream.write({ track, pts, dts: pts, keyframe: true, data: body.data, wallClock: this.#wallClock(pts), receivedAt });
  }

  /** The first onMetaData tells which tracks exist (FFmpeg and OBS list a codec id per track). */
  #onData(message: RtmpMessage): void {
    if (this.#tracksKnown) return;
    const values = parseData(message);
    const at = values.indexOf('onMetaData');
    const metadata = at === -1 ? undefined : values[at + 1];
    const properties: AmfObject | undefined = metadata instanceof AmfEcmaArray ? metadata.properties : metadata !== undefined && isAmfObject(metadata) ? metadata : undefined;
    if (properties === undefined || !('videocodecid' in properties || 'audiocodecid' in properties)) return;
    this.#tracksKnown = true;
    if (codecIdOf(properties['videocodecid']) !== AVC_CODEC_ID) this.#video = this.#dropTrack(this.#video);
    if (codecIdOf(properties['audiocodecid']) !== AAC_CODEC_ID) this.#audio = this.#dropTrack(this.#audio);
    this.#log.info({ hasVideo: this.hasVideo, hasAudio: this.hasAudio }, 'tracks announced by onMetaData');
  }

  /** Without onMetaData, only the absence of video tells an audio-only stream. */
  #checkForNoVideo(receivedAt: number): void {
    this.#firstAudioAt ??= receivedAt;
    if (receivedAt - this.#firstAudioAt < NO_VIDEO_AFTER_MS) return;
    this.#tracksKnown = true;
    this.#video = this.#dropTrack(this.#video);
    this.#log.info({ afterMs: NO_VIDEO_AFTER_MS }, 'no onMetaData and no video: the stream is taken as audio-only');
  }

  /** Removes a track the publisher turned out not to have; returns undefined to store in its place. */
  #dropTrack(track: Track | undefined): undefined {
    if (track) this.stream.removeTrack(track);
    return undefined;
  }

  /** Unix ms of an RTMP time, anchored on the arrival of the first frame. */
  #wallClock(ms: number): number {
    this.#wallClockOrigin ??= Date.now() - ms;
    return this.#wallClockOrigin + ms;
  }

  /** The hub wants 4-byte NAL lengths; encoders almost always send them, so this is usually the input itself. */
  #toHubAvcc(data: Buffer): Buffer {
    return this.#nalLengthSize === HUB_NAL_LENGTH_SIZE ? data : joinAvcc(splitAvcc(data, this.#nalLengthSize));
  }

  #warnOnce(key: string, details: object, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#log.warn(details, message);
  }
}

/** onMetaData codec ids are numbers, or FourCC strings ('avc1', 'mp4a') from some encoders. */
function codecIdOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'avc1') return AVC_CODEC_ID;
  if (value === 'mp4a') return AAC_CODEC_ID;
  return undefined;
}
