/**
 * Proves the test-support helpers measure what they claim, on media that ffmpeg makes here with
 * known properties (no RTMP server needed: ffprobe and ffmpeg read file paths as well as URLs).
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AudioAnalysisError,
  SILENCE_DBFS,
  dominantFrequency,
  levelsOverTime,
  makeSineWav,
  peakDbfs,
  recordPcm,
  rmsDbfs,
} from '../../support/audio-analysis';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { ProbeError, maxKeyframeGap, probeFrames, probeStreams, startsOnKeyframe } from '../../support/media-probe';
import { ProcessError, killAllChildren, run, runOrThrow, spawnTracked, stopGracefully, waitForStderr } from '../../support/processes';

/** lavfi's sine source peaks at 1/8 of full scale: RMS 20·log10(0.125/√2) = −21.07 dBFS. */
const LAVFI_SINE_RMS_DBFS = 20 * Math.log10(0.125 / Math.SQRT2);

/** The error `fn` throws (the test fails if it throws nothing). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

let dir: string;
const fixture = (name: string) => path.join(dir, name);

/** Encodes `seconds` of a 320x240 25 fps H.264 test pattern (no B-frames) plus AAC from a lavfi audio source. */
async function makeFlv(name: string, options: { gop: number; audio: string; seconds: number }): Promise<void> {
  await runOrThrow(
    'ffmpeg',
    [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25,format=yuv420p', '-f', 'lavfi', '-i', options.audio],
      ...['-t', String(options.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(options.gop), '-bf', '0'],
      ...['-c:a', 'aac', '-b:a', '128k', '-y', fixture(name)],
    ],
    { timeoutMs: 20_000 },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'support-test-'));
  await Promise.all([
    makeFlv('tone440-gop1s.flv', { gop: 25, audio: 'sine=frequency=440:sample_rate=48000', seconds: 6 }),
    makeFlv('tone1000.flv', { gop: 25, audio: 'sine=frequency=1000:sample_rate=48000', seconds: 3 }),
    makeFlv('silent.flv', { gop: 25, audio: 'anullsrc=r=48000:cl=mono', seconds: 3 }),
    makeFlv('gop4s.flv', { gop: 100, audio: 'sine=frequency=440:sample_rate=48000', seconds: 13 }),
  ]);
  // Starts 1 s into a 4 s GOP, like a reader joining a live stream mid-GOP (-copyinkf keeps the leading P-frames).
  await runOrThrow('ffmpeg', ['-v', 'error', '-i', fixture('gop4s.flv'), '-ss', '1', '-c', 'copy', '-copyinkf', '-y', fixture('mid-gop.flv')], {
    timeoutMs: 10_000,
  });
}, 30_000);

afterAll(async () => {
  await killAllChildren();
  await rm(dir, { recursive: true, force: true });
});

describe('media-probe', () => {
  it('reads codecs, resolution and audio format', async () => {
    const streams = await probeStreams(fixture('tone440-gop1s.flv'), { timeoutMs: 10_000 });
    expect(streams.video).toEqual({ codec: 'h264', width: 320, height: 240, profile: 'Constrained Baseline', pixFmt: 'yuv420p' });
    expect(streams.audio).toEqual({ codec: 'aac', sampleRate: 48000, channels: 1 });
  });

  it('lists the frames of the first seconds with keyframes every second', async () => {
    const frames = await probeFrames(fixture('tone440-gop1s.flv'), { seconds: 3 });
    expect(frames.video.length).toBeGreaterThanOrEqual(74); // 25 fps
    expect(frames.video.length).toBeLessThanOrEqual(77);
    expect(frames.audio.length).toBeGreaterThanOrEqual(140); // 48000 / 1024 ≈ 46.9 per second
    expect(frames.video.filter((f) => f.keyframe)).toHaveLength(3);
    expect(startsOnKeyframe(frames.video)).toBe(true);
    expect(maxKeyframeGap(frames.video)).toBeCloseTo(1, 2);
  });

  it('tells a 4 s GOP from a 1 s GOP', async () => {
    const frames = await probeFrames(fixture('gop4s.flv'), { seconds: 10 });
    expect(maxKeyframeGap(frames.video)).toBeCloseTo(4, 2);
    expect(startsOnKeyframe(frames.video)).toBe(true);
  });

  it('sees a stream that starts mid-GOP', async () => {
    const frames = await probeFrames(fixture('mid-gop.flv'), { seconds: 4 });
    expect(startsOnKeyframe(frames.video)).toBe(false);
    // 3 s of P-frames before the keyframe at 4 s of the original.
    expect(maxKeyframeGap(frames.video)).toBeCloseTo(3, 1);
  });

  it('reports a GOP that never ends as Infinity, and no frames as a typed error', () => {
    expect(maxKeyframeGap([{ pts: 0, keyframe: false }, { pts: 1, keyframe: false }])).toBe(Infinity);
    expect(maxKeyframeGap([{ pts: 0, keyframe: true }, { pts: 1, keyframe: false }, { pts: 5, keyframe: false }])).toBe(5);
    expect(thrownBy(() => maxKeyframeGap([]))).toBeInstanceOf(ProbeError);
    expect(thrownBy(() => startsOnKeyframe([]))).toMatchObject({ code: 'NO_VIDEO_FRAMES' });
  });

  it('fails with ffprobe’s stderr when the source does not exist', async () => {
    const failure = probeStreams(fixture('missing.flv'), { timeoutMs: 5000 });
    await expect(failure).rejects.toBeInstanceOf(ProcessError);
    await expect(failure).rejects.toMatchObject({ code: 'NONZERO_EXIT', stderrTail: expect.stringContaining('No such file') });
  });
});

describe('audio-analysis on decoded recordings', () => {
  it('measures frequency and level of a 440 Hz tone', async () => {
    const samples = await recordPcm(fixture('tone440-gop1s.flv'), { seconds: 2 });
    expect(samples.length).toBe(96_000);
    expect(Math.abs(dominantFrequency(samples, 48000) - 440)).toBeLessThanOrEqual(2);
    expect(Math.abs(rmsDbfs(samples) - LAVFI_SINE_RMS_DBFS)).toBeLessThanOrEqual(1.5);
    for (const level of levelsOverTime(samples, 48000, 100)) expect(Math.abs(level - LAVFI_SINE_RMS_DBFS)).toBeLessThanOrEqual(1.5);
  });

  it('measures a 1000 Hz tone at another sample rate', async () => {
    const samples = await recordPcm(fixture('tone1000.flv'), { seconds: 2, sampleRate: 44100 });
    expect(samples.length).toBe(88_200);
    expect(Math.abs(dominantFrequency(samples, 44100) - 1000)).toBeLessThanOrEqual(2);
  });

  it('reads silence as silence', async () => {
    const samples = await recordPcm(fixture('silent.flv'), { seconds: 2 });
    expect(samples.length).toBe(96_000);
    expect(rmsDbfs(samples)).toBeLessThan(-90);
    expect(peakDbfs(samples)).toBe(SILENCE_DBFS);
    expect(thrownBy(() => dominantFrequency(samples, 48000))).toMatchObject({ code: 'SILENT_SIGNAL' });
  });
});

describe('audio-analysis on synthetic samples', () => {
  const sine = (frequency: number, amplitude: number, count: number, sampleRate = 48000) =>
    Float32Array.from({ length: count }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate));

  it('puts a full-scale sine at −3.01 dBFS RMS and 0 dBFS peak', () => {
    const samples = sine(1000, 1, 48000);
    expect(rmsDbfs(samples)).toBeCloseTo(-3.01, 2);
    expect(peakDbfs(samples)).toBeCloseTo(0, 2);
  });

  it('resolves a tone between FFT bins', () => {
    // 0.25 s zero-padded to 16384 points: 2.93 Hz bins, so 440.7 Hz is not on one.
    expect(dominantFrequency(sine(440.7, 0.5, 12_000), 48000)).toBeCloseTo(440.7, 0);
  });

  it('finds the stronger of two tones despite a DC offset', () => {
    const samples = sine(440, 0.4, 48000).map((s, i) => s + 0.1 * Math.sin((2 * Math.PI * 3000 * i) / 48000) + 0.3);
    expect(Math.abs(dominantFrequency(samples, 48000) - 440)).toBeLessThanOrEqual(0.5);
  });

  it('shows a dropout window by window and drops the trailing partial window', () => {
    const samples = sine(440, 0.5, 48000 + 100);
    samples.fill(0, 24000, 28800); // 100 ms of silence after 500 ms
    const levels = levelsOverTime(samples, 48000, 100);
    expect(levels).toHaveLength(10);
    expect(levels[5]).toBe(SILENCE_DBFS);
    expect(levels.filter((l) => l === SILENCE_DBFS)).toHaveLength(1);
  });

  it('rejects an empty recording with a typed error', () => {
    expect(thrownBy(() => rmsDbfs(new Float32Array(0)))).toBeInstanceOf(AudioAnalysisError);
    expect(thrownBy(() => dominantFrequency(new Float32Array(0), 48000))).toMatchObject({ code: 'EMPTY_SIGNAL' });
  });
});

describe('makeSineWav', () => {
  it.each([
    { sampleRate: 48000, channels: 1, bitsPerSample: 16 as const, codec: 'pcm_s16le' },
    { sampleRate: 44100, channels: 2, bitsPerSample: 24 as const, codec: 'pcm_s24le' },
    { sampleRate: 16000, channels: 1, bitsPerSample: 32 as const, codec: 'pcm_s32le' },
  ])('writes a $bitsPerSample-bit $channels-channel $sampleRate Hz WAV that ffmpeg reads back', async (format) => {
    const file = fixture(`sine-${format.bitsPerSample}.wav`);
    await makeSineWav(file, { frequency: 440, seconds: 1, amplitude: 0.5, ...format });
    expect((await stat(file)).size).toBe(44 + format.sampleRate * format.channels * (format.bitsPerSample / 8));

    const { stdout } = await runOrThrow('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file], { timeoutMs: 5000 });
    const [stream] = (JSON.parse(stdout.toString()) as { streams: Array<Record<string, unknown>> }).streams;
    expect(stream).toMatchObject({
      codec_name: format.codec,
      sample_rate: String(format.sampleRate),
      channels: format.channels,
      bits_per_sample: format.bitsPerSample,
    });

    const samples = await recordPcm(file, { seconds: 1, sampleRate: format.sampleRate });
    expect(Math.abs(dominantFrequency(samples, format.sampleRate) - 440)).toBeLessThanOrEqual(2);
    expect(rmsDbfs(samples)).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1);
  });

  it('starts with a canonical RIFF/WAVE header', async () => {
    const file = fixture('header.wav');
    await makeSineWav(file, { frequency: 1000, seconds: 0.01 });
    const wav = await readFile(file);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt32LE(40)).toBe(480 * 2); // 480 mono 16-bit frames
  });
});

describe('processes', () => {
  it('kills a process at its timeout and quotes its stderr', async () => {
    const startedAt = performance.now();
    // Endless: a real-time sine source into the null muxer.
    const failure = run('ffmpeg', ['-re', '-f', 'lavfi', '-i', 'sine', '-f', 'null', '-'], { timeoutMs: 1500 });
    const error: unknown = await failure.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProcessError);
    const { code, pid, message } = error as ProcessError;
    expect(code).toBe('TIMEOUT');
    expect(message).toContain('Input #0, lavfi');
    expect(performance.now() - startedAt).toBeLessThan(3000);
    expect(thrownBy(() => process.kill(pid!, 0))).toMatchObject({ code: 'ESRCH' }); // no such process
  });

  it('feeds stdin and returns stdout bytes and the exit code', async () => {
    const result = await run('sh', ['-c', 'cat; echo oops >&2; exit 3'], { input: Buffer.from([0, 1, 2, 255]), timeoutMs: 5000 });
    expect(result).toEqual({ code: 3, signal: null, stdout: Buffer.from([0, 1, 2, 255]), stderr: 'oops\n' });
  });

  it('reports a command that does not exist as SPAWN_FAILED', async () => {
    await expect(run('/nonexistent/tool', [], { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'SPAWN_FAILED' });
  });

  it('stops an ffmpeg whose network input has stalled without SIGKILL', async () => {
    // Serves the first part of an FLV, then goes quiet with the connection open: ffmpeg blocks in a read.
    const flvHead = (await readFile(fixture('tone440-gop1s.flv'))).subarray(0, 150_000);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined); // ffmpeg resets the connection when it exits
      socket.write(flvHead);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const ffmpeg = spawnTracked('ffmpeg', ['-nostats', '-f', 'flv', '-i', `tcp://127.0.0.1:${port}`, '-f', 'null', '-']);
      await waitForStderr(ffmpeg, 'Stream mapping', 10_000);
      const startedAt = performance.now();
      const status = await stopGracefully(ffmpeg.child, { graceMs: 3000 });
      expect(status.signal).toBeNull(); // exited by itself, not SIGKILLed
      expect(performance.now() - startedAt).toBeLessThan(2000);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    }
  });

  it('sends a second SIGINT about 300 ms after the first, for a process that needs two', async () => {
    // Behaves like ffmpeg blocked in a network read: the first SIGINT is only noted, the second ends it.
    const needsTwo = spawnTracked(process.execPath, [
      '-e',
      "let n = 0; process.on('SIGINT', () => { if (++n === 2) process.exit(7); }); console.error('ready'); setInterval(() => {}, 1000);",
    ]);
    await waitForStderr(needsTwo, 'ready', 10_000);
    const startedAt = performance.now();
    const status = await stopGracefully(needsTwo.child, { graceMs: 3000 });
    expect(status).toEqual({ code: 7, signal: null });
    const elapsed = performance.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
  });

  it('SIGKILLs a process that ignores SIGINT once graceMs has passed', async () => {
    const stubborn = spawnTracked(process.execPath, [
      '-e',
      "process.on('SIGINT', () => {}); process.on('SIGTERM', () => {}); console.error('ready'); setInterval(() => {}, 1000);",
    ]);
    await waitForStderr(stubborn, 'ready', 10_000);
    const startedAt = performance.now();
    const status = await stopGracefully(stubborn.child, { graceMs: 800 });
    expect(status).toEqual({ code: null, signal: 'SIGKILL' });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(790);
  });

  it('reaps every tracked child with killAllChildren', async () => {
    const sleepers = [spawnTracked('sleep', ['30']), spawnTracked('sleep', ['30'])];
    await killAllChildren();
    for (const sleeper of sleepers) expect(sleeper.child.signalCode).toBe('SIGKILL');
  });
});

describe('chromium', () => {
  /** The page under test: captureMedia() returns the camera's resolution and ~0.7 s of the microphone. */
  const PAGE = `<!doctype html><meta charset="utf-8"><title>capture</title><script>
    async function captureMedia(audioConstraints) {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints, video: { width: 640, height: 480 } });
      const { width, height } = stream.getVideoTracks()[0].getSettings();
      const context = new AudioContext();
      await context.resume();
      const analyser = context.createAnalyser();
      analyser.fftSize = 32768; // the largest buffer an AnalyserNode keeps
      context.createMediaStreamSource(stream).connect(analyser);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // let 1 s of the tone flow in
      const samples = new Float32Array(analyser.fftSize);
      analyser.getFloatTimeDomainData(samples);
      stream.getTracks().forEach((track) => track.stop());
      await context.close();
      return { width, height, sampleRate: context.sampleRate, samples: Array.from(samples) };
    }
  </script>`;
  interface Capture {
    width: number;
    height: number;
    sampleRate: number;
    samples: number[];
  }

  let browser: TestBrowser;
  let server: http.Server;
  let pageUrl: string;

  beforeAll(async () => {
    const wav = fixture('mic-440.wav');
    await makeSineWav(wav, { frequency: 440, seconds: 2, amplitude: 0.5 });
    server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
    browser = await launchChromium({ fakeAudioFile: wav });
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function capture(audioConstraints: boolean | Record<string, boolean>): Promise<Capture> {
    const page = await browser.newPage();
    try {
      await page.goto(pageUrl);
      return await page.evaluate<Capture>(`captureMedia(${JSON.stringify(audioConstraints)})`);
    } finally {
      await page.close();
    }
  }

  it('gives a 640x480 fake camera and plays the WAV as the microphone', async () => {
    const { width, height, sampleRate, samples } = await capture(true);
    expect({ width, height }).toEqual({ width: 640, height: 480 });
    expect(Math.abs(dominantFrequency(Float32Array.from(samples), sampleRate) - 440)).toBeLessThanOrEqual(2);
  });

  it('delivers the WAV at its own level once WebRTC audio processing is off', async () => {
    const { sampleRate, samples } = await capture({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
    const pcm = Float32Array.from(samples);
    expect(Math.abs(dominantFrequency(pcm, sampleRate) - 440)).toBeLessThanOrEqual(2);
    expect(Math.abs(rmsDbfs(pcm) - 20 * Math.log10(0.5 / Math.SQRT2))).toBeLessThanOrEqual(1.5);
  });

  it('deletes its profile directory on close', async () => {
    const other = await launchChromium();
    await expect(stat(other.userDataDir)).resolves.toBeDefined();
    await other.close();
    await expect(stat(other.userDataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
