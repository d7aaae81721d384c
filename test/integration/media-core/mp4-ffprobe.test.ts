import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AAC_FRAME_SAMPLES, type ClipFrames } from '../../../bench/clip-frames';
import { encodeClip } from '../../support/encoded-clip';
import { buildAudioSpecificConfig } from '../../../server/media/aac/audio-specific-config';
import { FragmentedMp4Writer } from '../../../server/media/containers/mp4/fmp4-writer';
import { defragmentFile } from '../../../server/media/containers/mp4/mp4-defragmenter';
import { killAllChildren, run, runOrThrow } from '../../support/processes';

const WIDTH = 320;
const HEIGHT = 240;
const FPS = 25;
const SECONDS = 6;
const GOP = FPS;
const SAMPLE_RATE = 48_000;
const CHANNELS = 2;
/** How much later than video the audio starts, seconds. */
const AUDIO_DELAY = 0.04;
/** Where the shared clock stands when the recording starts, seconds: far from 0, as a source's clock is. */
const CLOCK_START = 987_654.321;

interface ProbeJson {
  format?: { duration?: string };
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string; channels?: number; start_time: string; nb_read_frames?: string }>;
  packets: Array<{ codec_type: string; flags: string }>;
}

/** A recording as FragmentedMp4Writer wrote it. */
interface Recording {
  /** init, then each fragment. */
  readonly chunks: readonly Buffer[];
  /** Video samples in the file after each chunk. */
  readonly videoSamplesAfter: readonly number[];
  readonly durationMs: number;
}

/**
 * The MP4 writer and defragmenter judged by ffprobe/ffmpeg: a clip encoded by ffmpeg (x264 + AAC),
 * converted to what the hub carries (AVCC), recorded as a fragmented MP4 with audio starting 40 ms
 * after video, then probed and decoded whole, truncated mid-fragment as a crash leaves it, and
 * defragmented into a regular fast-start MP4.
 */
describe('fragmented MP4 writer and defragmenter read by ffprobe and ffmpeg', () => {
  let dir: string;
  let clip: ClipFrames;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mp4-ffprobe-'));
    clip = await encodeClip(dir, { width: WIDTH, height: HEIGHT, fps: FPS, seconds: SECONDS, gop: GOP, sampleRate: SAMPLE_RATE, channels: CHANNELS });
  }, 60_000);

  afterAll(async () => {
    await killAllChildren();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Records the clip with each track's times in its timescale, audio written just behind video as the pipeline does. */
  function record(videoTimescale: number, audioTimescale: number): Recording {
    const { pictures, audio, sps, pps, audioFormat } = clip;
    const config = buildAudioSpecificConfig(audioFormat.objectType, audioFormat.sampleRate, audioFormat.channels);
    const writer = new FragmentedMp4Writer({
      video: { timescale: videoTimescale, width: WIDTH, height: HEIGHT, sps, pps },
      audio: { timescale: audioTimescale, sampleRate: SAMPLE_RATE, channels: CHANNELS, config },
    });
    const chunks: Buffer[] = [writer.init()];
    const videoSamplesAfter: number[] = [0];
    const keep = (fragment: Buffer | undefined) => {
      if (!fragment) return;
      chunks.push(fragment);
      videoSamplesAfter.push(writer.videoSamples);
    };
    const audioSeconds = (k: number) => CLOCK_START + AUDIO_DELAY + (k * AAC_FRAME_SAMPLES) / SAMPLE_RATE;
    let k = 0;
    pictures.forEach((picture, i) => {
      const seconds = CLOCK_START + i / FPS;
      const dts = Math.round(seconds * videoTimescale);
      keep(writer.addVideo({ data: Buffer.concat([picture.prefix, picture.slice]), pts: dts, dts, keyframe: picture.keyframe }));
      for (; k < audio.length && audioSeconds(k) <= seconds; k++) keep(writer.addAudio({ data: audio[k]!, dts: Math.round(audioSeconds(k) * audioTimescale) }));
    });
    for (; k < audio.length; k++) keep(writer.addAudio({ data: audio[k]!, dts: Math.round(audioSeconds(k) * audioTimescale) }));
    keep(writer.flush());
    expect(writer.droppedSamples).toBe(0);
    expect(writer.videoSamples).toBe(pictures.length);
    expect(writer.audioSamples).toBe(audio.length);
    return { chunks, videoSamplesAfter, durationMs: writer.durationMs };
  }

  async function probe(file: string): Promise<ProbeJson> {
    const out = await runOrThrow('ffprobe', ['-v', 'error', '-of', 'json', '-show_entries',
      'format=duration:stream=codec_type,codec_name,width,height,sample_rate,channels,start_time:packet=codec_type,flags', file], { timeoutMs: 20_000 });
    return JSON.parse(out.stdout.toString('utf8')) as ProbeJson;
  }

  /** Streams and packets as recorded: h264 at the clip's size, aac, every picture and AAC frame, the keyframes flagged, audio 40 ms late. */
  function expectWholeRecording(json: ProbeJson): void {
    const { pictures, audio } = clip;
    const video = json.streams.filter((s) => s.codec_type === 'video');
    const audioStreams = json.streams.filter((s) => s.codec_type === 'audio');
    expect(video).toHaveLength(1);
    expect(audioStreams).toHaveLength(1);
    expect(video[0]).toMatchObject({ codec_name: 'h264', width: WIDTH, height: HEIGHT });
    expect(audioStreams[0]).toMatchObject({ codec_name: 'aac', sample_rate: String(SAMPLE_RATE), channels: CHANNELS });
    expect(pictures).toHaveLength(SECONDS * FPS);
    const videoPackets = json.packets.filter((p) => p.codec_type === 'video');
    expect(videoPackets).toHaveLength(pictures.length);
    expect(videoPackets.filter((p) => p.flags.includes('K'))).toHaveLength(SECONDS * FPS / GOP);
    expect(json.packets.filter((p) => p.codec_type === 'audio')).toHaveLength(audio.length);
    expect(Number(video[0]!.start_time)).toBeCloseTo(0, 3);
    expect(Number(audioStreams[0]!.start_time)).toBeCloseTo(AUDIO_DELAY, 2);
  }

  async function decodeErrors(file: string, extraInput: readonly string[] = []): Promise<string> {
    const decode = await runOrThrow('ffmpeg', ['-hide_banner', '-v', 'error', ...extraInput, '-i', file, '-f', 'null', '-'], { timeoutMs: 30_000 });
    return decode.stderr;
  }

  /** Top-level box types of a file, in order. */
  async function topLevelBoxes(file: string): Promise<string[]> {
    const bytes = await readFile(file);
    const types: string[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size32 = bytes.readUInt32BE(at);
      types.push(bytes.toString('latin1', at + 4, at + 8));
      at += size32 === 1 ? Number(bytes.readBigUInt64BE(at + 8)) : size32;
    }
    return types;
  }

  test.each([
    { name: 'WebRTC timescales (video 90 kHz, audio 48 kHz)', videoTimescale: 90_000, audioTimescale: SAMPLE_RATE },
    { name: 'RTMP timescales (1000 Hz for both)', videoTimescale: 1000, audioTimescale: 1000 },
  ])('$name: probes and decodes whole, truncated and defragmented', async ({ videoTimescale, audioTimescale }) => {
    const recording = record(videoTimescale, audioTimescale);
    expect(recording.chunks.length).toBeGreaterThanOrEqual(SECONDS + 1); // init + a fragment per GOP
    expect(recording.durationMs / 1000).toBeCloseTo(SECONDS + AUDIO_DELAY, 1);
    const fragmented = path.join(dir, `rec-${videoTimescale}.mp4`);
    await writeFile(fragmented, Buffer.concat(recording.chunks));

    // The fragmented file as it is while recording.
    expectWholeRecording(await probe(fragmented));
    expect(await decodeErrors(fragmented)).toBe('');

    // Cut in the middle of its last fragment, as a crash leaves it: what came before still decodes.
    const whole = Buffer.concat(recording.chunks);
    const lastLength = recording.chunks.at(-1)!.length;
    const torn = path.join(dir, `torn-${videoTimescale}.mp4`);
    await writeFile(torn, whole.subarray(0, whole.length - Math.floor(lastLength / 2)));
    const tornDecode = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', torn, '-f', 'null', '-'], { timeoutMs: 30_000 });
    expect(tornDecode.code).toBe(0);
    const counted = await runOrThrow('ffprobe', ['-v', 'error', '-of', 'json', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', torn], { timeoutMs: 30_000 });
    const frames = Number((JSON.parse(counted.stdout.toString('utf8')) as ProbeJson).streams[0]!.nb_read_frames);
    expect(frames).toBeGreaterThanOrEqual(recording.videoSamplesAfter.at(-2)!);

    // Defragmented: moov in front, the same packets, duration, audio offset, and it seeks.
    const regular = path.join(dir, `regular-${videoTimescale}.mp4`);
    const result = await defragmentFile(fragmented, regular);
    const handle = await open(regular, 'r');
    expect(result.bytes).toBe((await handle.stat()).size);
    await handle.close();
    expect((await topLevelBoxes(regular)).filter((type) => type !== 'free')).toEqual(['ftyp', 'moov', 'mdat']);
    expect(Math.abs(result.durationMs / 1000 - SECONDS)).toBeLessThan(0.1);
    const json = await probe(regular);
    expectWholeRecording(json);
    expect(Math.abs(Number(json.format?.duration) - SECONDS)).toBeLessThan(0.1);
    expect(await decodeErrors(regular)).toBe('');
    const seek = await runOrThrow('ffmpeg', ['-hide_banner', '-v', 'error', '-ss', '3', '-i', regular, '-frames:v', '1', '-f', 'null', '-'], { timeoutMs: 30_000 });
    expect(seek.stderr).toBe('');
  }, 90_000);
});
