import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AAC_FRAME_SAMPLES, type ClipFrames } from '../../../bench/clip-frames';
import { encodeClip } from '../../support/encoded-clip';
import { buildAudioSpecificConfig } from '../../../server/media/aac/audio-specific-config';
import { TsMuxer } from '../../../server/media/containers/mpegts/ts-muxer';
import { killAllChildren, runOrThrow } from '../../support/processes';
import { TsReader } from '../../support/ts-reader';

const WIDTH = 320;
const HEIGHT = 240;
const FPS = 25;
const SECONDS = 4;
const GOP = FPS;
const SAMPLE_RATE = 48_000;
const CHANNELS = 2;
/** 90 kHz ticks per picture. */
const FRAME_TICKS = 90_000 / FPS;
/** How far audio is written behind video, as the gateway's pipeline does (< 150 ms), 90 kHz. */
const AUDIO_LAG_TICKS = 90 * 80;

interface ProbeJson {
  programs?: Array<{ tags?: { service_name?: string } }>;
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string; channels?: number; start_time: string }>;
  packets: Array<{ codec_type: string; flags: string }>;
}

/**
 * The muxer judged by programs others wrote: a clip encoded by ffmpeg (x264 + AAC elementary
 * streams), converted to what the hub carries (AVCC, 90 kHz), muxed to a .ts file, then probed and
 * decoded by ffprobe/ffmpeg and read by the independent test TsReader.
 */
describe('MPEG-TS muxer read by ffprobe and ffmpeg', () => {
  let dir: string;
  let clip: ClipFrames;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mpegts-ffprobe-'));
    clip = await encodeClip(dir, { width: WIDTH, height: HEIGHT, fps: FPS, seconds: SECONDS, gop: GOP, sampleRate: SAMPLE_RATE, channels: CHANNELS });
  }, 60_000);

  afterAll(async () => {
    await killAllChildren();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('one h264 and one aac stream, decoded without a message, every frame and keyframe there, tracks starting together, no continuity error', async () => {
    const { pictures, audio, sps, pps, audioFormat } = clip;
    expect(audioFormat).toEqual({ objectType: 2, sampleRate: SAMPLE_RATE, channels: CHANNELS });
    const config = buildAudioSpecificConfig(audioFormat.objectType, audioFormat.sampleRate, audioFormat.channels);
    const audioTicks = (AAC_FRAME_SAMPLES * 90_000) / SAMPLE_RATE;
    const muxer = new TsMuxer({ video: true, audio: true });
    const chunks: Buffer[] = [];
    let audioIndex = 0;
    const writeAudioUpTo = (ticks: number) => {
      for (; audioIndex < audio.length && audioIndex * audioTicks <= ticks; audioIndex++) {
        chunks.push(muxer.writeAudio({ data: audio[audioIndex]!, pts: audioIndex * audioTicks, config }));
      }
    };
    pictures.forEach((picture, i) => {
      // DTS one picture before PTS (as with a reorder delay), starting slightly negative.
      const dts = (i - 1) * FRAME_TICKS;
      chunks.push(muxer.writeVideo({ data: Buffer.concat([picture.prefix, picture.slice]), pts: dts + FRAME_TICKS, dts, keyframe: picture.keyframe, sps, pps }));
      writeAudioUpTo(dts - AUDIO_LAG_TICKS);
    });
    writeAudioUpTo(Infinity);
    const file = path.join(dir, 'muxed.ts');
    await writeFile(file, Buffer.concat(chunks));

    const reader = new TsReader({ keepPes: false });
    for (const chunk of chunks) reader.push(chunk);
    reader.end();
    expect(reader.summary()).toMatchObject({ ccErrors: 0, crcErrors: 0, malformed: 0, syncErrors: 0 });

    const probe = await runOrThrow('ffprobe', ['-v', 'error', '-of', 'json', '-show_entries',
      'program_tags=service_name:stream=codec_type,codec_name,width,height,sample_rate,channels,start_time:packet=codec_type,flags', file], { timeoutMs: 20_000 });
    const json = JSON.parse(probe.stdout.toString('utf8')) as ProbeJson;
    const video = json.streams.filter((s) => s.codec_type === 'video');
    const audioStreams = json.streams.filter((s) => s.codec_type === 'audio');
    expect(video).toHaveLength(1);
    expect(audioStreams).toHaveLength(1);
    expect(video[0]).toMatchObject({ codec_name: 'h264', width: WIDTH, height: HEIGHT });
    expect(audioStreams[0]).toMatchObject({ codec_name: 'aac', sample_rate: String(SAMPLE_RATE), channels: CHANNELS });
    expect(json.programs?.[0]?.tags?.service_name).toBe('webrtc-rtmp-gateway');
    const videoPackets = json.packets.filter((p) => p.codec_type === 'video');
    expect(videoPackets).toHaveLength(pictures.length);
    expect(pictures.length).toBe(SECONDS * FPS);
    expect(videoPackets.filter((p) => p.flags.includes('K'))).toHaveLength(pictures.filter((p) => p.keyframe).length);
    expect(pictures.filter((p) => p.keyframe)).toHaveLength(SECONDS * FPS / GOP);
    expect(json.packets.filter((p) => p.codec_type === 'audio')).toHaveLength(audio.length);
    const startGap = Math.abs(Number(video[0]!.start_time) - Number(audioStreams[0]!.start_time));
    expect(startGap).toBeLessThan(0.1);

    const decode = await runOrThrow('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { timeoutMs: 20_000 });
    expect(decode.stderr).toBe('');
  }, 60_000);
});
