/**
 * The RTMP sources process (`node dist/bench/rtmp-sources.js '<RtmpSourcesConfig JSON>'`, forked
 * by the harness with an IPC channel): cheap publishers for the saturation phase. Each source is
 * an RTMP client of our own (server/rtmp/client.ts) writing the pre-encoded clip in real time,
 * looped with continuous timestamps; nothing is encoded or encrypted, so one process carries
 * hundreds of 2.5 Mbit/s streams where WebRTC publishers would saturate the load generator first.
 * Every picture carries the bench's frame marker, so the sink counts what is lost.
 */
import { buildAudioSpecificConfig } from '../server/media/aac/audio-specific-config';
import { buildAvcDecoderConfig } from '../server/media/h264/avc-decoder-config';
import { joinAvcc } from '../server/media/h264/nal';
import { parseSps } from '../server/media/h264/sps';
import { RtmpPublishClient } from '../server/rtmp/client';
import { buildAacRaw, buildAacSequenceHeader, buildAvcNalu, buildAvcSequenceHeader, SoundFormat, VideoCodecId } from '../server/rtmp/protocol/flv';
import { parseRtmpUrl } from '../server/rtmp/protocol/url';
import { AAC_FRAME_SAMPLES, loadClipFrames, type ClipFrames } from './clip-frames';
import { buildFrameMarker } from './frame-marker';
import type { RtmpSourcesCommand, RtmpSourcesConfig, RtmpSourcesMessage } from './rtmp-source-messages';

/** Spacing of the pacing timer, ms: every frame due by then is written. */
const TICK_MS = 10;
/** Bound on one source's connect and publish, ms. */
const CONNECT_TIMEOUT_MS = 10_000;

/** One source's position in the looping clip. */
interface Source {
  readonly client: RtmpPublishClient;
  /** performance.now() of frame 0, ms. */
  readonly startedAt: number;
  frames: number;
  audioFrames: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as RtmpSourcesConfig;
  const clip = await loadClipFrames(config);
  const sources: Source[] = [];
  const frameMs = 1000 / config.fps;
  const audioMs = (AAC_FRAME_SAMPLES / clip.audioFormat.sampleRate) * 1000;
  let maxLagMs = 0;
  let stopping = false;

  const tick = (): void => {
    const now = performance.now();
    for (const s of sources) {
      s.client.batch(() => {
        for (let due = s.startedAt + s.frames * frameMs; due <= now; due = s.startedAt + s.frames * frameMs) {
          maxLagMs = Math.max(maxLagMs, now - due);
          const picture = clip.pictures[s.frames % clip.pictures.length]!;
          const marker = joinAvcc([buildFrameMarker({ sequence: s.frames, sentAtMs: performance.timeOrigin + performance.now() })]);
          // The tag body in parts, written back to back: the clip's own buffers are never copied.
          const [header] = buildAvcNalu(picture.keyframe, picture.slice);
          s.client.sendVideo(Math.round(s.frames * frameMs), [header, picture.prefix, marker, picture.slice]);
          s.frames++;
        }
        for (let due = s.startedAt + s.audioFrames * audioMs; due <= now; due = s.startedAt + s.audioFrames * audioMs) {
          s.client.sendAudio(Math.round(s.audioFrames * audioMs), buildAacRaw(clip.audio[s.audioFrames % clip.audio.length]!));
          s.audioFrames++;
        }
      });
    }
  };
  const timer = setInterval(tick, TICK_MS);

  const add = async (entries: ReadonlyArray<{ name: string; url: string }>): Promise<RtmpSourcesMessage> => {
    const queue = [...entries];
    const publishing: string[] = [];
    const failed: Array<{ name: string; reason: string }> = [];
    const connectNext = async (): Promise<void> => {
      for (let entry = queue.shift(); entry !== undefined && !stopping; entry = queue.shift()) {
        const { name, url } = entry;
        const client = new RtmpPublishClient({ target: parseRtmpUrl(url), streamName: name, connectTimeoutMs: CONNECT_TIMEOUT_MS });
        try {
          await client.connect();
        } catch (err) {
          failed.push({ name, reason: (err as Error).message });
          continue;
        }
        sendHeaders(client, clip, config.fps);
        sources.push({ client, startedAt: performance.now(), frames: 0, audioFrames: 0 });
        publishing.push(name);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, config.connectConcurrency) }, connectNext));
    return { kind: 'added', publishing, failed };
  };

  process.on('message', (command: RtmpSourcesCommand) => {
    if (command.kind === 'add') void add(command.sources).then((answer) => send(answer));
    else if (command.kind === 'lag') {
      send({ kind: 'lag', maxLagMs: Math.round(maxLagMs) });
      maxLagMs = 0;
    } else if (!stopping) {
      stopping = true;
      clearInterval(timer);
      void Promise.allSettled(sources.map((s) => s.client.close())).then(() => process.disconnect());
    }
  });
  // Without the harness there is nobody to stop us: never outlive it.
  process.on('disconnect', () => process.exit(0));
}

/** onMetaData (which tells the gateway the tracks), then the AVC and AAC sequence headers. */
function sendHeaders(client: RtmpPublishClient, clip: ClipFrames, fps: number): void {
  const { width, height } = parseSps(clip.sps);
  const { objectType, sampleRate, channels } = clip.audioFormat;
  client.sendMetadata({ width, height, framerate: fps, videocodecid: VideoCodecId.AVC, audiocodecid: SoundFormat.AAC, audiosamplerate: sampleRate, stereo: channels === 2 });
  client.sendVideo(0, buildAvcSequenceHeader(buildAvcDecoderConfig(clip.sps, clip.pps)));
  client.sendAudio(0, buildAacSequenceHeader(buildAudioSpecificConfig(objectType, sampleRate, channels)));
}

function send(message: RtmpSourcesMessage): void {
  process.send?.(message);
}

main().catch((err: unknown) => {
  process.stderr.write(`rtmp-sources: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
