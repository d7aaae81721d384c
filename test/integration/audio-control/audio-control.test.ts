import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dominantFrequency, levelsOverTime, makeSineWav, recordPcm, rmsDbfs } from '../../support/audio-analysis';
import { startE2eSetup, type E2eSetup } from '../../support/e2e-setup';
import { waitFor } from '../../support/wait-for';

/** The browser's microphone plays this tone, so the microphone is recognisable in the output. */
const MIC_HZ = 1000;
/** The sound files play this one. */
const SOUND_HZ = 440;
const SAMPLE_RATE = 48000;

/**
 * Per-push audio control, measured on the audio itself: the RTMP output is pulled from nginx-rtmp
 * and decoded, and its level and dominant frequency tell what each push carries.
 */
describe('mute, unmute, sound_on, sound_off', () => {
  let setup: E2eSetup;
  let nginx: E2eSetup['nginx'];
  let gw: E2eSetup['gw'];
  let mediaDir: string;
  let micLevel: number;
  const push: Record<'a' | 'b', string> = { a: '', b: '' };

  /** The last second of a 2 s recording of one push's output, as nginx relays it. */
  async function lastSecond(key: 'a' | 'b'): Promise<Float32Array> {
    const samples = await recordPcm(nginx.rtmpUrl('live', key), { seconds: 2, sampleRate: SAMPLE_RATE, timeoutMs: 15_000 });
    return samples.subarray(samples.length - SAMPLE_RATE);
  }

  async function view(key: 'a' | 'b'): Promise<{ muted: boolean; soundEnabled: boolean; state: string }> {
    const res = await gw.api('/rest-api/push/find', { streamName: key });
    return res.body[0];
  }

  beforeAll(async () => {
    mediaDir = await mkdtemp(path.join(os.tmpdir(), 'gateway-media-'));
    await makeSineWav(path.join(mediaDir, 'tone440.wav'), { frequency: SOUND_HZ, seconds: 1, sampleRate: 22050, channels: 1, bitsPerSample: 24, amplitude: 0.9 });
    await makeSineWav(path.join(mediaDir, 'mic.wav'), { frequency: MIC_HZ, seconds: 5, sampleRate: 48000, channels: 1, amplitude: 0.2 });
    await writeFile(path.join(mediaDir, 'notes.txt'), 'not audio at all');
    await writeFile(path.join(mediaDir, 'broken.wav'), Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.from([0x10, 0, 0, 0, 1, 0])]));
    await symlink('/etc/passwd', path.join(mediaDir, 'escape.wav'));

    setup = await startE2eSetup({ gateway: { mediaDir }, chromium: { fakeAudioFile: path.join(mediaDir, 'mic.wav') } });
    ({ nginx, gw } = setup);
    const page = await setup.browser.newPage();
    const raw = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    await setup.pages.publish(page, 'ours', { urlServer: gw.wsUrl, name: 'mic', constraints: { audio: raw, video: { width: 320, height: 240 } } });
    for (const key of ['a', 'b'] as const) {
      const res = await gw.api('/rest-api/push/startup', { streamName: 'mic', rtmpUrl: nginx.rtmpUrl('live', key), rtmpTransponderFullUrl: true });
      expect(res.status).toBe(200);
      push[key] = res.body.mediaSessionId;
      await nginx.waitForStream('live', key, 8000);
    }
  });

  afterAll(async () => {
    await setup?.close();
    if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
  });

  test('the output carries the microphone', async () => {
    const samples = await lastSecond('a');
    expect(dominantFrequency(samples, SAMPLE_RATE)).toBeCloseTo(MIC_HZ, -1);
    micLevel = rmsDbfs(samples);
    expect(micLevel).toBeGreaterThan(-40);
  });

  test('mute silences one push within a second (below -60 dBFS) and leaves the other alone; unmute brings the microphone back', async () => {
    expect((await gw.api('/rest-api/push/mute', { mediaSessionId: push.a })).status).toBe(200);
    expect(await view('a')).toMatchObject({ muted: true, soundEnabled: false });
    expect(await view('b')).toMatchObject({ muted: false });
    const [muted, other] = await Promise.all([lastSecond('a'), lastSecond('b')]);
    for (const level of levelsOverTime(muted, SAMPLE_RATE, 100)) expect(level).toBeLessThan(-60);
    expect(rmsDbfs(other)).toBeGreaterThan(micLevel - 3);
    expect(dominantFrequency(other, SAMPLE_RATE)).toBeCloseTo(MIC_HZ, -1);

    expect((await gw.api('/rest-api/push/unmute', { mediaSessionId: push.a })).status).toBe(200);
    expect(await view('a')).toMatchObject({ muted: false });
    const back = await lastSecond('a');
    expect(rmsDbfs(back)).toBeGreaterThan(micLevel - 3);
    expect(dominantFrequency(back, SAMPLE_RATE)).toBeCloseTo(MIC_HZ, -1);
  });

  test('sound_on with loop plays the file over the microphone past its length; sound_off removes it', async () => {
    expect((await gw.api('/rest-api/push/sound_on', { mediaSessionId: push.a, soundFile: 'tone440.wav', loop: true })).status).toBe(200);
    expect(await view('a')).toMatchObject({ soundEnabled: true });
    // The file lasts 1 s: by the end of this 2 s recording it has looped.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const looped = await lastSecond('a');
    expect(dominantFrequency(looped, SAMPLE_RATE)).toBeCloseTo(SOUND_HZ, -1);
    for (const level of levelsOverTime(looped, SAMPLE_RATE, 100)) expect(level).toBeGreaterThan(-20);
    expect(await view('a')).toMatchObject({ soundEnabled: true });
    expect(dominantFrequency(await lastSecond('b'), SAMPLE_RATE)).toBeCloseTo(MIC_HZ, -1);

    expect((await gw.api('/rest-api/push/sound_off', { mediaSessionId: push.a })).status).toBe(200);
    expect(await view('a')).toMatchObject({ soundEnabled: false });
    const after = await lastSecond('a');
    expect(dominantFrequency(after, SAMPLE_RATE)).toBeCloseTo(MIC_HZ, -1);
    expect(rmsDbfs(after)).toBeLessThan(micLevel + 3);
  });

  test('without loop the file plays once and soundEnabled returns to false by itself; muted + sound_on plays the file over silence', async () => {
    await gw.api('/rest-api/push/mute', { mediaSessionId: push.b });
    expect((await gw.api('/rest-api/push/sound_on', { mediaSessionId: push.b, soundFile: 'tone440.wav' })).status).toBe(200);
    const playing = await recordPcm(nginx.rtmpUrl('live', 'b'), { seconds: 0.6, sampleRate: SAMPLE_RATE, timeoutMs: 15_000 });
    expect(dominantFrequency(playing, SAMPLE_RATE)).toBeCloseTo(SOUND_HZ, -1);
    await waitFor('soundEnabled to return to false', async () => (await view('b')).soundEnabled === false, 10_000);
    for (const level of levelsOverTime(await lastSecond('b'), SAMPLE_RATE, 100)) expect(level).toBeLessThan(-60);
    await gw.api('/rest-api/push/unmute', { mediaSessionId: push.b });
  });

  test('startup options: action "mute" starts muted; action "sound_on" starts with the file', async () => {
    const muted = await gw.api('/rest-api/push/startup', { streamName: 'mic', rtmpUrl: nginx.rtmpUrl('live', 'c'), rtmpTransponderFullUrl: true, options: { action: 'mute' } });
    expect(muted.body).toMatchObject({ muted: true, options: { action: 'mute' } });
    const sound = await gw.api('/rest-api/push/startup', {
      streamName: 'mic', rtmpUrl: nginx.rtmpUrl('live', 'd'), rtmpTransponderFullUrl: true, options: { action: 'sound_on', soundFile: 'tone440.wav', loop: true },
    });
    expect(sound.body).toMatchObject({ soundEnabled: true, muted: false });
    await nginx.waitForStream('live', 'c', 8000);
    await nginx.waitForStream('live', 'd', 8000);
    const [silent, tone] = await Promise.all([
      recordPcm(nginx.rtmpUrl('live', 'c'), { seconds: 1.5, sampleRate: SAMPLE_RATE, timeoutMs: 15_000 }),
      recordPcm(nginx.rtmpUrl('live', 'd'), { seconds: 1.5, sampleRate: SAMPLE_RATE, timeoutMs: 15_000 }),
    ]);
    expect(rmsDbfs(silent)).toBeLessThan(-60);
    expect(dominantFrequency(tone, SAMPLE_RATE)).toBeCloseTo(SOUND_HZ, -1);
    await gw.api('/rest-api/push/terminate', { mediaSessionId: muted.body.mediaSessionId });
    await gw.api('/rest-api/push/terminate', { mediaSessionId: sound.body.mediaSessionId });
  });

  test.each([
    ['an unknown mediaSessionId', { mediaSessionId: 'nope', soundFile: 'tone440.wav' }, 404, 'Transponder not found: nope'],
    ['a file that is not there', { soundFile: 'missing.wav' }, 404, 'No such file: missing.wav'],
    ['a path separator', { soundFile: '../tone440.wav' }, 400, 'Invalid sound file name'],
    ['a backslash', { soundFile: '..\\tone440.wav' }, 400, 'Invalid sound file name'],
    ['a ".." name', { soundFile: '..' }, 400, 'Invalid sound file name'],
    ['an absolute path', { soundFile: '/etc/passwd' }, 400, 'Invalid sound file name'],
    ['a symlink out of the media directory', { soundFile: 'escape.wav' }, 404, 'No such file: escape.wav'],
    ['a file that is not RIFF WAV', { soundFile: 'notes.txt' }, 400, 'notes.txt: not a RIFF WAV file'],
    ['a broken WAV header', { soundFile: 'broken.wav' }, 400, 'broken.wav:'],
    ['a missing soundFile', { soundFile: undefined }, 400, 'soundFile is required'],
    ['a non-boolean loop', { soundFile: 'tone440.wav', loop: 'yes' }, 400, 'loop must be boolean'],
  ])('sound_on with %s is refused', async (_what, body, status, message) => {
    const res = await gw.api('/rest-api/push/sound_on', { mediaSessionId: push.a, ...body });
    expect(res.status).toBe(status);
    expect(res.body.message).toContain(message);
  });

  test('startup with a bad sound file is refused and creates nothing', async () => {
    const res = await gw.api('/rest-api/push/startup', { streamName: 'mic', rtmpUrl: nginx.rtmpUrl('live', 'e'), rtmpTransponderFullUrl: true, options: { action: 'sound_on', soundFile: '../x.wav' } });
    expect(res.status).toBe(400);
    expect((await gw.api('/rest-api/push/find', { streamName: 'e' })).status).toBe(404);
  });

  test('nothing reconnected: nginx saw one publish per push across every call, and both still publish', async () => {
    const log = await nginx.errorLog();
    expect(log.match(/publish: name='a' /g)).toHaveLength(1);
    expect(log.match(/publish: name='b' /g)).toHaveLength(1);
    expect(await view('a')).toMatchObject({ state: 'publishing', muted: false, soundEnabled: false });
    expect(await view('b')).toMatchObject({ state: 'publishing' });
  });
});
