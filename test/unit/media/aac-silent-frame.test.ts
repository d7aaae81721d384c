import { buildAdtsHeader } from '../../../server/media/aac/adts-header';
import { silentAacFrame } from '../../../server/media/aac/silent-frame';
import { killRunningTools, runTool } from './support/run-tool';

afterAll(killRunningTools);

describe('silentAacFrame', () => {
  it('is one single_channel_element (mono) or channel_pair_element (stereo) with max_sfb 0, then ID_END', () => {
    // SCE tag 0 | global_gain 0 | ics_info all 0 | 3 flags 0 | END (111): 32 bits.
    expect(silentAacFrame(1).toString('hex')).toBe('00000007');
    // CPE tag 0, common_window 0 | two such channel streams | END, zero-padded: 55 bits.
    expect(silentAacFrame(2).toString('hex')).toBe('2000000000000e');
  });

  it.each([
    [2, 48000],
    [1, 44100],
  ] as const)('decodes with ffmpeg to digital silence (%i channel(s), %i Hz)', async (channels, sampleRate) => {
    const frameCount = 50;
    const frame = silentAacFrame(channels);
    const adts = Buffer.concat(
      Array.from({ length: frameCount }, () => [buildAdtsHeader(2, sampleRate, channels, frame.length), frame]).flat(),
    );
    const { code, stderr } = await runTool('ffmpeg', ['-nostats', '-f', 'aac', '-i', 'pipe:0', '-af', 'volumedetect', '-f', 'null', '-'], adts);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/error|invalid|corrupt/i);
    expect(stderr).toContain(`Audio: aac (LC), ${sampleRate} Hz, ${channels === 1 ? 'mono' : 'stereo'}`);
    expect(stderr).toMatch(new RegExp(`n_samples: ${frameCount * 1024 * channels}\\b`));
    const maxVolume = /max_volume: (\S+) dB/.exec(stderr)?.[1];
    expect(['-91.0', '-inf']).toContain(maxVolume);
  });
});
